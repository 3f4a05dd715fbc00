// Package store owns Phuan's persistent state in one bbolt file: people and
// their channel identities, conversation state, processed update ids, the
// inbound queue and the outbox; schema versions, migrations and backups.
package store
