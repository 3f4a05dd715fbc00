// Package bench measures Phuan on loopback (`phuan bench inbound|broadcast|kb`) against FakeAPI, a
// Telegram Bot API that paces sends with 429s and injects faults (also used by the fault tests).
// Echo, the baseline, is the one place outside bot/telegram that imports the Telegram library, on purpose.
package bench
