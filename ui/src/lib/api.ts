// Typed calls to the app's commands. Payload types are generated from the Rust types
// (ts-rs) into ../bindings; nothing here restates them.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppStatus } from "../bindings/AppStatus";
import type { Meeting } from "../bindings/Meeting";
import type { MeetingView } from "../bindings/MeetingView";
import type { Attendance } from "../bindings/Attendance";
import type { Activity } from "../bindings/Activity";
import type { Submission } from "../bindings/Submission";
type Answers = Submission["answers"];
import type { Phase } from "../bindings/Phase";
import type { Prefs } from "../bindings/Prefs";
import type { ReportView } from "../bindings/ReportView";
import type { SyncView } from "../bindings/SyncView";
// campo_sync::Progress, as the "sync://progress" event carries it.
export type Progress = { records_sent: number; records_total: number; bytes_sent: number; bytes_total: number };
import type { AppError } from "../bindings/AppError";

export function errorMessage(e: unknown): string {
  const err = e as Partial<AppError>;
  return err && typeof err === "object" && err.message ? err.message : String(e);
}
export function errorCode(e: unknown): string {
  const err = e as Partial<AppError>;
  return err && typeof err === "object" && err.code ? err.code : "";
}

export const api = {
  appStatus: () => invoke<AppStatus>("app_status"),
  setup: (facilitator: string, passphrase: string) => invoke<string>("setup", { facilitator, passphrase }),
  unlock: (passphrase: string) => invoke<void>("unlock", { passphrase }),
  lock: () => invoke<void>("lock"),
  verifyPassphrase: (passphrase: string) => invoke<boolean>("verify_passphrase", { passphrase }),
  enroll: (serverUrl: string, code: string) => invoke<void>("enroll", { serverUrl, code }),
  listMeetings: () => invoke<Meeting[]>("list_meetings"),
  createMeeting: (activity: Activity, date: string, place: string, topic: string) =>
    invoke<Meeting>("create_meeting", { activity, date, place, topic }),
  meetingView: (id: string) => invoke<MeetingView | null>("meeting_view", { id }),
  addParticipant: (code: string, name: string) => invoke<void>("add_participant", { code, name }),
  setAttendance: (id: string, attendance: Attendance) => invoke<Meeting>("set_attendance", { id, attendance }),
  markHeld: (id: string) => invoke<Meeting>("mark_held", { id }),
  cancelMeeting: (id: string, reason: string) => invoke<Meeting>("cancel_meeting", { id, reason }),
  submit: (a: {
    meetingId: string;
    instrumentId: string;
    instrumentVersion: number;
    respondent: string | null;
    phase: Phase | null;
    answers: Answers;
  }) => invoke<string>("submit", a),
  report: (lang: "it" | "en") => invoke<ReportView>("report", { lang }),
  savePrefs: (prefs: Prefs) => invoke<Prefs>("save_prefs", { prefs }),
  activity: () => invoke<void>("activity"),
  syncView: () => invoke<SyncView>("sync_view"),
  syncNow: () => invoke<void>("sync_now"),
  onProgress: (f: (p: Progress) => void): Promise<UnlistenFn> => listen<Progress>("sync://progress", (e) => f(e.payload)),
  onSyncDone: (f: () => void): Promise<UnlistenFn> => listen("sync://done", () => f()),
  onSyncError: (f: (m: string) => void): Promise<UnlistenFn> => listen<string>("sync://error", (e) => f(e.payload)),
  onLocked: (f: () => void): Promise<UnlistenFn> => listen("vault://locked", () => f()),
};
