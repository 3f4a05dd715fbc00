// Package bot is Phuan's channel-agnostic core: the Message and Reply types,
// the Channel interface adapters implement, the engine (de-duplication, one
// ordered queue per conversation, panic recovery), the outbox sender (rate
// limits, retries, classified send errors) and the HTTP server.
package bot
