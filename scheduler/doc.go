// Package scheduler runs Phuan's timed work: reminders, broadcasts and
// housekeeping such as pruning processed update ids. cron only ticks; what
// is due and what was done lives in the store, so a restart neither loses
// nor repeats work, and every job takes "now" from an injectable clock.
package scheduler
