// A carer's consent in the app's words: what is in force at the end of a history (its last
// step, as campo-core's `in_force` reads it).
import type { ConsentEvent } from "../bindings/ConsentEvent";
import type { ConsentScope } from "../bindings/ConsentScope";
import { t } from "./i18n";

export const SCOPES: ConsentScope[] = ["questionnaires", "contact"];

export function scopeText(scope: ConsentScope): string {
  return t(scope === "questionnaires" ? "scope_questionnaires" : "scope_contact");
}

export function stepText(step: ConsentEvent): string {
  return step.event === "given"
    ? t("consent_in_force", { date: step.date, version: step.sheet_version, covers: step.covers.map(scopeText).join(", ") })
    : t("consent_withdrawn", { date: step.date });
}

/** The state of a history: its last step, or "none". */
export function consentText(history: ConsentEvent[]): string {
  const last = history[history.length - 1];
  return last ? stepText(last) : t("consent_none");
}

export function inForce(history: ConsentEvent[]): boolean {
  return history[history.length - 1]?.event === "given";
}
