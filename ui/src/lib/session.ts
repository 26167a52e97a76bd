// Where the app goes once the vault is open: an interrupted questionnaire first.
import { api } from "./api";
import { go } from "./state.svelte";

export async function afterUnlock() {
  const open = await api.unfinished().catch(() => []);
  go(open.length > 0 ? { name: "unfinished" } : { name: "meetings" });
}
