/**
 * @module backup/job-pacing
 * A pause between the pages of a backup's copy and of a restore, for tests
 * only: OPENDDB_BACKUP_PAGE_DELAY_MS makes a small job last long enough to
 * be caught CREATING (BackupInUseException) or killed half-way (crash
 * tests). Unset (always, in use), there is no pause.
 */
const delayMs = Number(process.env.OPENDDB_BACKUP_PAGE_DELAY_MS ?? '0');

export async function betweenPages(): Promise<void> {
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
}
