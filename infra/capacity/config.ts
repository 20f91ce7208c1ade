// Capacity and cost settings: how far ahead the forecasts alert, and the monthly AWS budget with
// where its notifications go. infra/config.ts composes these sections under `capacity` and `cost`.
import { z } from "zod";
import type { Environment } from "../platform/environment";
import { int } from "../platform/schema";

export const capacityConfigSchema = z
    .object({
        /** A forecast scaling trigger or volume fill within this many days raises a SEV-4 alert. */
        forecastDays: int(1, 365),
    })
    .strict();
export type CapacityConfig = z.infer<typeof capacityConfigSchema>;

export const costConfigSchema = z
    .object({
        /** The environment's AWS Budget, in US dollars per calendar month. */
        monthlyBudgetUsd: z
            .number({ error: "a positive number of US dollars such as 500" })
            .positive({ error: "a positive number of US dollars such as 500" }),
        /**
         * Where the budget's SNS topic delivers: the ticket system's e-mail intake (`mailto:`) or
         * HTTPS webhook (`https://`), worked with SEV-4's next-business-day target. Unset: the topic has no
         * subscriber yet (the plan warns).
         */
        notify: z
            .string()
            .regex(/^(mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https:\/\/\S+)$/, "a mailto: address or an https:// URL of the ticket system")
            .optional(),
    })
    .strict();
export type CostConfig = z.infer<typeof costConfigSchema>;

/** The manual's monthly capacity review looks a month ahead. */
export const defaultForecastDays = 30;

export function capacityDefaults(): CapacityConfig {
    return { forecastDays: defaultForecastDays };
}

/** Budgets exist only where money is spent: the AWS environments. */
export function costDefaults(env: Environment): CostConfig | undefined {
    if (env === "local") return undefined;
    return { monthlyBudgetUsd: env === "production" ? 2000 : 500 };
}
