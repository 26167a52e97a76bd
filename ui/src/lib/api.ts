// Typed calls to the app's commands. Payload types are generated from the Rust types
// (ts-rs) into ../bindings; nothing here restates them.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppStatus } from "../bindings/AppStatus";
import type { AppError } from "../bindings/AppError";
import type { Meeting } from "../bindings/Meeting";
import type { MeetingView } from "../bindings/MeetingView";
import type { Attendance } from "../bindings/Attendance";
import type { Activity } from "../bindings/Activity";
import type { Submission } from "../bindings/Submission";
import type { Prefs } from "../bindings/Prefs";
import type { Lang } from "../bindings/Lang";
import type { ReportsView } from "../bindings/ReportsView";
import type { SyncView } from "../bindings/SyncView";
import type { Progress } from "../bindings/Progress";
import type { DraftInput } from "../bindings/DraftInput";
import type { DraftSaved } from "../bindings/DraftSaved";
import type { UnfinishedDraft } from "../bindings/UnfinishedDraft";
import type { ResumedDraft } from "../bindings/ResumedDraft";
import type { RosterExport } from "../bindings/RosterExport";
import type { RosterImported } from "../bindings/RosterImported";
import type { Outreach } from "../bindings/Outreach";
import type { Instrument } from "../bindings/Instrument";
import type { BarrierLogView } from "../bindings/BarrierLogView";
import type { BarrierForm } from "../bindings/BarrierForm";
import type { BarrierInput } from "../bindings/BarrierInput";
import type { BarrierSaved } from "../bindings/BarrierSaved";
import type { OfficeNote } from "../bindings/OfficeNote";
import type { RosterView } from "../bindings/RosterView";
import type { ConsentEvent } from "../bindings/ConsentEvent";
import type { ConsentScope } from "../bindings/ConsentScope";
import type { CarerDataView } from "../bindings/CarerDataView";
import { errorText } from "./i18n";

type Answers = Submission["answers"];

/** The words to show for a failed call: the app's own for a known code. */
export function errorMessage(e: unknown): string {
  const err = e as Partial<AppError>;
  if (err && typeof err === "object" && err.message) return errorText(err.code ?? "", err.message);
  return String(e);
}
export function errorCode(e: unknown): string {
  const err = e as Partial<AppError>;
  return err && typeof err === "object" && err.code ? err.code : "";
}

export const api = {
  appStatus: () => invoke<AppStatus>("app_status"),
  checkPassphrase: (passphrase: string, facilitator: string) =>
    invoke<AppError | null>("check_passphrase", { passphrase, facilitator }),
  setup: (facilitator: string, passphrase: string) => invoke<string>("setup", { facilitator, passphrase }),
  unlock: (passphrase: string) => invoke<void>("unlock", { passphrase }),
  unlockWithRecovery: (code: string) => invoke<void>("unlock_with_recovery", { code }),
  lock: () => invoke<void>("lock"),
  facilitators: () => invoke<string[]>("facilitators"),
  changePassphrase: (facilitator: string, passphrase: string) =>
    invoke<void>("change_passphrase", { facilitator, passphrase }),
  newRecoveryCode: () => invoke<string>("new_recovery_code"),
  addFacilitator: (name: string, passphrase: string) => invoke<void>("add_facilitator", { name, passphrase }),
  removeFacilitator: (name: string) => invoke<void>("remove_facilitator", { name }),
  verifyPassphrase: (passphrase: string) => invoke<boolean>("verify_passphrase", { passphrase }),
  verifyLeavePassphrase: (passphrase: string) => invoke<boolean>("verify_leave_passphrase", { passphrase }),
  enroll: (serverUrl: string, code: string) => invoke<void>("enroll", { serverUrl, code }),
  listMeetings: () => invoke<Meeting[]>("list_meetings"),
  createMeeting: (activity: Activity, date: string, place: string, topic: string) =>
    invoke<Meeting>("create_meeting", { activity, date, place, topic }),
  meetingView: (id: string) => invoke<MeetingView | null>("meeting_view", { id }),
  setAttendance: (id: string, attendance: Attendance) => invoke<Meeting>("set_attendance", { id, attendance }),
  markHeld: (id: string) => invoke<Meeting>("mark_held", { id }),
  cancelMeeting: (id: string, reason: string) => invoke<Meeting>("cancel_meeting", { id, reason }),
  officeNotes: (lang: Lang) => invoke<OfficeNote[]>("office_notes", { lang }),
  instrumentVersion: (instrumentId: string, instrumentVersion: number) =>
    invoke<Instrument>("instrument_version", { instrumentId, instrumentVersion }),
  shownItems: (instrumentId: string, instrumentVersion: number, answers: Answers) =>
    invoke<string[]>("shown_items", { instrumentId, instrumentVersion, answers }),
  saveAnswers: (draft: DraftInput) => invoke<DraftSaved>("save_answers", { draft }),
  submit: (id: string) => invoke<void>("submit", { id }),
  unfinished: () => invoke<UnfinishedDraft[]>("unfinished"),
  resumeDraft: (id: string) => invoke<ResumedDraft>("resume_draft", { id }),
  discardDraft: (id: string, passphrase: string) => invoke<void>("discard_draft", { id, passphrase }),
  barrierLogView: (meetingId: string) => invoke<BarrierLogView>("barrier_log_view", { meetingId }),
  barrierForm: (meetingId: string, followsUp: string | null) => invoke<BarrierForm>("barrier_form", { meetingId, followsUp }),
  saveBarrier: (input: BarrierInput) => invoke<BarrierSaved>("save_barrier", { input }),
  roster: () => invoke<RosterView>("roster"),
  recordConsent: (code: string, covers: ConsentScope[]) => invoke<ConsentEvent>("record_consent", { code, covers }),
  withdrawConsent: (code: string) => invoke<ConsentEvent>("withdraw_consent", { code }),
  carerData: (code: string, lang: Lang) => invoke<CarerDataView>("carer_data", { code, lang }),
  addParticipant: (code: string, name: string, contact: string | null) =>
    invoke<void>("add_participant", { code, name, contact }),
  updateParticipant: (code: string, name: string, contact: string | null) =>
    invoke<void>("update_participant", { code, name, contact }),
  removeParticipant: (code: string) => invoke<void>("remove_participant", { code }),
  exportRoster: () => invoke<RosterExport>("export_roster"),
  importRoster: (file: number[], passphrase: string) => invoke<RosterImported>("import_roster", { file, passphrase }),
  outreach: () => invoke<Outreach[]>("outreach"),
  saveOutreach: (outreach: Outreach) => invoke<void>("save_outreach", { outreach }),
  report: (lang: Lang) => invoke<ReportsView>("report", { lang }),
  savePrefs: (prefs: Prefs) => invoke<Prefs>("save_prefs", { prefs }),
  activity: () => invoke<void>("activity"),
  syncView: () => invoke<SyncView>("sync_view"),
  syncNow: () => invoke<void>("sync_now"),
  sendAgain: (id: string, revision: number) => invoke<boolean>("send_again", { id, revision }),
  onProgress: (f: (p: Progress) => void): Promise<UnlistenFn> => listen<Progress>("sync://progress", (e) => f(e.payload)),
  onSyncDone: (f: () => void): Promise<UnlistenFn> => listen("sync://done", () => f()),
  onSyncError: (f: (m: string) => void): Promise<UnlistenFn> => listen<string>("sync://error", (e) => f(e.payload)),
  onPlan: (f: () => void): Promise<UnlistenFn> => listen("sync://plan", () => f()),
  onLocked: (f: () => void): Promise<UnlistenFn> => listen("vault://locked", () => f()),
};
