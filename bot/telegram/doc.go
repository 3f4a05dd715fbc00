// Package telegram is Phuan's Telegram channel: it receives updates by long polling or webhook, maps them
// to bot.Message only after nothing can be lost, and sends replies, uploads and private-chat clears through
// the Bot API with classified errors. It is the only package that imports the Telegram library or wire format.
package telegram
