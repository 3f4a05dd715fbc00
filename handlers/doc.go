// Package handlers is what Phuan says and does: onboarding and language,
// consent, profile, menu, help and settings, and each capability's flows.
// It sees only bot.Message and bot.Reply, never a platform's own types.
package handlers
