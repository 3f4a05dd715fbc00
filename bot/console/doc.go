// Package console is the terminal channel: it reads lines from a reader,
// turns "N" into a press of button N, and prints each bot message as its
// text, one "  [N] label" line per button and a blank line.
package console
