package bot

import (
	"strings"
	"time"
)

// ChatType tells a private chat from a group.
type ChatType string

// Chat types.
const (
	ChatPrivate ChatType = "private"
	ChatGroup   ChatType = "group"
)

// Event names what happened when a Message carries no text of a person.
type Event string

// Events adapters report besides ordinary messages.
const (
	EventNone        Event = ""
	EventJoinedGroup Event = "joined_group" // the bot was added to a group
	EventLeftGroup   Event = "left_group"   // the bot was removed from a group
	EventBlocked     Event = "blocked"      // the person blocked the bot
	EventUnblocked   Event = "unblocked"    // the person allowed the bot again
	EventChatMoved   Event = "chat_moved"   // a group got a new id (NewChatID)
)

// MediaKind is the kind of an attachment.
type MediaKind string

// Attachment kinds.
const (
	MediaPhoto    MediaKind = "photo"
	MediaVoice    MediaKind = "voice"
	MediaAudio    MediaKind = "audio"
	MediaVideo    MediaKind = "video"
	MediaDocument MediaKind = "document"
	MediaOther    MediaKind = "other"
)

// Media is a reference to an attachment kept on the platform (a Telegram
// file_id, a Messenger attachment URL). Only a file the bot makes itself (a
// person's data export) carries its bytes in Data, with a file Name.
type Media struct {
	Kind MediaKind `json:"kind"`
	Ref  string    `json:"ref,omitempty"`
	MIME string    `json:"mime,omitempty"`
	Size int64     `json:"size,omitempty"`
	Name string    `json:"name,omitempty"`
	Data []byte    `json:"data,omitempty"`
}

// Portable reports whether the attachment can be sent on a channel other
// than the one it came from: a web address can, a platform's own file id
// (a Telegram file_id) cannot.
func (m Media) Portable() bool {
	return strings.HasPrefix(m.Ref, "https://") || strings.HasPrefix(m.Ref, "http://")
}

// Message is one thing a person did: a text, a button press, an attachment
// or a platform event. Adapters fill it; handlers read it.
type Message struct {
	ID           string    `json:"id"` // unique per platform delivery, for de-duplication
	Channel      string    `json:"channel"`
	ChatID       string    `json:"chat_id"`
	ChatType     ChatType  `json:"chat_type"`
	ThreadID     string    `json:"thread_id,omitempty"`
	UserID       string    `json:"user_id"`
	UserName     string    `json:"user_name,omitempty"` // never logged
	Text         string    `json:"text,omitempty"`
	Payload      string    `json:"payload,omitempty"` // the payload of a pressed button
	Media        []Media   `json:"media,omitempty"`
	LanguageCode string    `json:"language_code,omitempty"` // the platform's guess, e.g. "lo", "th-TH"
	Time         time.Time `json:"time"`
	Event        Event     `json:"event,omitempty"`
	NewChatID    string    `json:"new_chat_id,omitempty"` // with EventChatMoved
	// FromGroupAdmin: the sender is an admin of the group, as the platform
	// says. Channels check it only for messages that change what the group
	// receives (subscribing it to broadcasts), since it costs a request.
	FromGroupAdmin bool `json:"from_group_admin,omitempty"`
	// ReplyToText is the text of the bot's own message this one replies to
	// (a case card in the moderators' room, say), when the platform tells.
	ReplyToText string `json:"reply_to_text,omitempty"`
}

// ConversationKey names the ordered queue a message belongs to.
func (m Message) ConversationKey() string { return m.Channel + ":" + m.ChatID }

// Button is one choice under a reply: a payload sent back when pressed, or a link.
type Button struct {
	Label   string `json:"label"`
	Payload string `json:"payload,omitempty"`
	URL     string `json:"url,omitempty"`
}

// Reply is what the bot says: text, button rows and optional attachments.
type Reply struct {
	Text    string     `json:"text"`
	Buttons [][]Button `json:"buttons,omitempty"`
	Media   []Media    `json:"media,omitempty"`
	// ClearRecent asks the channel to delete, before sending Text, the
	// messages of the last 48 hours in this private chat, where the
	// platform allows (a phone that may be checked).
	ClearRecent bool `json:"clear_recent,omitempty"`
}

// Purpose tells a channel why a message is sent, which some platforms need
// (Messenger's 24-hour window).
type Purpose string

// Purposes of outgoing messages.
const (
	PurposeResponse  Purpose = "response"  // an answer to what the person just sent
	PurposeUpdate    Purpose = "update"    // a reminder or status change they asked for
	PurposeModerator Purpose = "moderator" // a human helper's reply
	PurposeBroadcast Purpose = "broadcast"
)

// Envelope is a reply addressed to a chat.
type Envelope struct {
	Channel  string
	ChatID   string
	ThreadID string
	Group    bool
	PersonID string
	Purpose  Purpose
	Reply    Reply
	// Ref ties the message to what caused it, such as "broadcast:12", so
	// its fate can be counted (see SenderHooks.Finished).
	Ref string
}

// ReplyTo addresses r to the chat m came from.
func ReplyTo(m Message, r Reply) Envelope {
	return Envelope{Channel: m.Channel, ChatID: m.ChatID, ThreadID: m.ThreadID,
		Group: m.ChatType == ChatGroup, Purpose: PurposeResponse, Reply: r}
}
