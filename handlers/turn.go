package handlers

import (
	"strings"
	"time"

	"phuan/bot"
	"phuan/store"
)

// Turn is one message being handled: who sent it, the chat's state, and the
// replies collected so far.
type Turn struct {
	Msg    bot.Message
	Conv   *store.Conversation
	Person *store.Person // nil for someone who has not agreed to the privacy notice
	Lang   string
	Now    time.Time

	// Command and Args are set when the text is a /command.
	Command string
	Args    string

	cat         *Catalog
	privateLink string // a link that opens a private chat with the bot
	out         []bot.Envelope
	convDirty   bool
	forgotten   bool
}

// Forgotten records that the person and chat were just erased: nothing
// about them may be written again at the end of the turn.
func (t *Turn) Forgotten() {
	t.forgotten = true
	t.Person = nil
	t.convDirty = false
}

// T returns a catalogue text in the turn's language.
func (t *Turn) T(key string, kv ...string) string { return t.cat.T(t.Lang, key, kv...) }

// Say queues a reply to the chat the message came from.
func (t *Turn) Say(text string, buttons ...[]bot.Button) {
	t.out = append(t.out, t.envelope(bot.Reply{Text: text, Buttons: buttons}))
}

// Send queues a reply with attachments or other details to the chat.
func (t *Turn) Send(r bot.Reply) { t.out = append(t.out, t.envelope(r)) }

func (t *Turn) envelope(r bot.Reply) bot.Envelope {
	e := bot.ReplyTo(t.Msg, r)
	if t.Person != nil {
		e.PersonID = t.Person.ID
	}
	return e
}

// PrivateChatButton is a row with a link to a private chat with the bot,
// for what must not be discussed in a group; none when the channel has no
// such link.
func (t *Turn) PrivateChatButton() [][]bot.Button {
	if t.privateLink == "" {
		return nil
	}
	return [][]bot.Button{{{Label: t.T("private_chat"), URL: t.privateLink}}}
}

// Queue adds an envelope for another chat (a moderators' room, say).
func (t *Turn) Queue(e bot.Envelope) { t.out = append(t.out, e) }

// Changed marks the conversation state to be saved at the end of the turn.
func (t *Turn) Changed() { t.convDirty = !t.forgotten }

// StartFlow puts the chat into step of flow for a day.
func (t *Turn) StartFlow(flow, step string) {
	t.Conv.Flow, t.Conv.Step = flow, step
	t.Conv.Expires = t.Now.Add(24 * time.Hour)
	if t.Conv.Answers == nil {
		t.Conv.Answers = map[string]string{}
	}
	t.Changed()
}

// EndFlow leaves the current flow.
func (t *Turn) EndFlow() {
	t.Conv.ClearFlow()
	t.Changed()
}

// Button makes a one-button row.
func Button(label, payload string) []bot.Button {
	return []bot.Button{{Label: label, Payload: payload}}
}

// StepPayload is the payload of a button that answers step of flow; it is
// stale once the chat has moved on.
func StepPayload(flow, step, value string) string {
	return "step:" + flow + "." + step + ":" + value
}

// parseStep splits a step payload.
func parseStep(payload string) (flow, step, value string, ok bool) {
	rest, ok := strings.CutPrefix(payload, "step:")
	if !ok {
		return "", "", "", false
	}
	where, value, ok := strings.Cut(rest, ":")
	if !ok {
		return "", "", "", false
	}
	flow, step, ok = strings.Cut(where, ".")
	return flow, step, value, ok && flow != "" && step != ""
}

// parseCommand splits "/cmd args" (and "/cmd@botname args").
func parseCommand(text string) (cmd, args string) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") || len(text) < 2 {
		return "", ""
	}
	head, rest, _ := strings.Cut(text, " ")
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head[1:]), strings.TrimSpace(rest)
}
