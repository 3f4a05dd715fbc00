// Package messenger is Phuan's Facebook Messenger channel: the signed webhook
// (verification, events into bot.Message), sending through the Graph Send API
// within the 24-hour window, and the Page's Messenger profile (Get Started, greeting, menu).
package messenger
