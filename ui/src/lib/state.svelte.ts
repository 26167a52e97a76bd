// The UI's one piece of shared state: which screen shows, the language and text size.
import type { Lang } from "../bindings/Lang";
import type { Phase } from "../bindings/Phase";
import type { TextSize } from "../bindings/TextSize";

/** Who answers what in respondent mode; `draftId` carries on an unfinished questionnaire. */
export type RespondentParams = {
  meetingId: string;
  instrumentId: string;
  version: number;
  respondent: string | null;
  phase: Phase | null;
  replaces: string | null;
  draftId: string | null;
};

export type Screen =
  | { name: "loading" }
  | { name: "setup" }
  | { name: "unlock" }
  | { name: "recover" }
  | { name: "unfinished" }
  | { name: "meetings" }
  | { name: "meeting"; id: string }
  // The facilitator's barrier log form at a co-assessment; `followsUp` names the barrier's first form.
  | { name: "barrier"; meetingId: string; followsUp: string | null }
  | ({ name: "respondent" } & RespondentParams)
  | { name: "roster" }
  // What the tablet holds under one carer's code (the right of access).
  | { name: "carer"; code: string }
  | { name: "outreach" }
  | { name: "report" }
  | { name: "sync" }
  | { name: "settings" };

export const app = $state({
  lang: "it" as Lang,
  textSize: "normal" as TextSize,
  screen: { name: "loading" } as Screen,
  error: "" as string,
});

export function go(screen: Screen) {
  app.error = "";
  app.screen = screen;
  window.scrollTo(0, 0);
}
