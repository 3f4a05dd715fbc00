package handlers

import (
	"phuan/bot"
)

// Moderators says who may use moderator commands: people whose user id is
// listed (PHUAN_MODERATORS), and anyone writing inside the moderators' room,
// which only its members can do.
type Moderators struct {
	Room    Room
	userIDs map[string]bool
}

// Room is the moderators' group chat.
type Room struct {
	Channel string // "telegram" in production, "console" when trying it locally
	ChatID  string
}

// NewModerators returns the moderator list for a room and user ids.
func NewModerators(room Room, userIDs []string) *Moderators {
	m := &Moderators{Room: room, userIDs: map[string]bool{}}
	for _, id := range userIDs {
		m.userIDs[id] = true
	}
	return m
}

// InRoom reports whether a message was written in the moderators' room.
func (m *Moderators) InRoom(msg bot.Message) bool {
	return m != nil && m.Room.ChatID != "" && msg.Channel == m.Room.Channel && msg.ChatID == m.Room.ChatID
}

// Allowed reports whether the sender of msg may use moderator commands.
func (m *Moderators) Allowed(msg bot.Message) bool {
	if m == nil {
		return false
	}
	if m.InRoom(msg) {
		return true
	}
	return msg.Channel == m.Room.Channel && m.userIDs[msg.UserID]
}

// RoomEnvelope addresses a reply to the moderators' room, in a topic when threadID is set.
func (m *Moderators) RoomEnvelope(threadID string, r bot.Reply) (bot.Envelope, bool) {
	if m == nil || m.Room.ChatID == "" {
		return bot.Envelope{}, false
	}
	return bot.Envelope{Channel: m.Room.Channel, ChatID: m.Room.ChatID, ThreadID: threadID, Group: true,
		Purpose: bot.PurposeUpdate, Reply: r}, true
}
