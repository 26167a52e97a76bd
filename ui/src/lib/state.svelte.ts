// The UI's one piece of shared state: which screen shows, the language and text size.
import type { Lang } from "./i18n";

export type Screen =
  | { name: "loading" }
  | { name: "setup" }
  | { name: "unlock" }
  | { name: "meetings" }
  | { name: "meeting"; id: string }
  | { name: "respondent"; meetingId: string; instrumentId: string; version: number; respondent: string | null; phase: "pre" | "post" | null }
  | { name: "report" }
  | { name: "sync" }
  | { name: "settings" };

export const app = $state({
  lang: "it" as Lang,
  textSize: "normal" as "normal" | "large" | "xlarge",
  screen: { name: "loading" } as Screen,
  error: "" as string,
});

export function go(screen: Screen) {
  app.error = "";
  app.screen = screen;
  window.scrollTo(0, 0);
}
