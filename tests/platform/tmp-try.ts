import { renderPlatform } from "./render";
(async () => {
    const p = await renderPlatform("production");
    for (const o of p.objects.filter(o=>o.source==="chart:edge-waf-metrics" && o.object.kind!=="CustomResourceDefinition")) console.log(o.object.kind, o.object.metadata.name, JSON.stringify((o.object as any).data ?? "").slice(0,400));
    console.log(p.plan.resources.filter(r=>r.type.includes("wafv2")).map(r=>r.type+" "+JSON.stringify((r.inputs as any).visibilityConfig)));
})();
