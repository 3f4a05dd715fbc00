// Package store owns Phuan's persistent state in one bbolt file: people and
// their channel identities, conversation state, processed update ids, the
// inbound queue and the outbox, cases, courses, events, reminders,
// subscriptions (of people and of groups) and broadcasts; schema versions,
// migrations, erasure, compaction and backups. Writes from many goroutines
// share commits through one group-commit goroutine (commit.go).
package store
