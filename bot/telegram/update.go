package telegram

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"phuan/bot"
)

// The wire types below decode only what Phuan maps. They are ours, not the
// library's: its types stop at Bot API 5.5 (no message_thread_id, no
// is_topic_message), and decoding less means a field Telegram adds or
// retypes later cannot make a whole update unreadable.

type update struct {
	UpdateID          int64              `json:"update_id"`
	Message           *message           `json:"message"`
	EditedMessage     json.RawMessage    `json:"edited_message"`
	ChannelPost       json.RawMessage    `json:"channel_post"`
	EditedChannelPost json.RawMessage    `json:"edited_channel_post"`
	CallbackQuery     *callbackQuery     `json:"callback_query"`
	MyChatMember      *chatMemberUpdated `json:"my_chat_member"`
}

type user struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	UserName     string `json:"username"`
	LanguageCode string `json:"language_code"`
}

type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"` // private, group, supergroup, channel
}

type file struct {
	FileID   string `json:"file_id"`
	MIMEType string `json:"mime_type"`
	FileSize int64  `json:"file_size"`
}

type photoSize struct {
	file
	Width  int `json:"width"`
	Height int `json:"height"`
}

type message struct {
	MessageID         int64       `json:"message_id"`
	MessageThreadID   int64       `json:"message_thread_id"`
	IsTopicMessage    bool        `json:"is_topic_message"`
	From              *user       `json:"from"`
	SenderChat        *chat       `json:"sender_chat"`
	Chat              chat        `json:"chat"`
	Date              int64       `json:"date"`
	Text              string      `json:"text"`
	Caption           string      `json:"caption"`
	ReplyToMessage    *message    `json:"reply_to_message"`
	Photo             []photoSize `json:"photo"`
	Voice             *file       `json:"voice"`
	Audio             *file       `json:"audio"`
	Video             *file       `json:"video"`
	VideoNote         *file       `json:"video_note"`
	Document          *file       `json:"document"`
	Sticker           *file       `json:"sticker"`
	MigrateToChatID   int64       `json:"migrate_to_chat_id"`
	MigrateFromChatID int64       `json:"migrate_from_chat_id"`

	// Service messages, recognised only to count them.
	NewChatMembers    json.RawMessage `json:"new_chat_members"`
	LeftChatMember    json.RawMessage `json:"left_chat_member"`
	GroupChatCreated  bool            `json:"group_chat_created"`
	SupergroupCreated bool            `json:"supergroup_chat_created"`
	NewChatTitle      json.RawMessage `json:"new_chat_title"`
	PinnedMessage     json.RawMessage `json:"pinned_message"`
	ForumTopicCreated json.RawMessage `json:"forum_topic_created"`
}

type callbackQuery struct {
	ID              string   `json:"id"`
	From            user     `json:"from"`
	Message         *message `json:"message"`
	InlineMessageID string   `json:"inline_message_id"`
	Data            string   `json:"data"`
}

type chatMember struct {
	Status   string `json:"status"` // creator, administrator, member, restricted, left, kicked
	IsMember bool   `json:"is_member"`
}

type chatMemberUpdated struct {
	Chat          chat       `json:"chat"`
	From          user       `json:"from"`
	Date          int64      `json:"date"`
	OldChatMember chatMember `json:"old_chat_member"`
	NewChatMember chatMember `json:"new_chat_member"`
}

// inbound is what became of one update: a message to submit, or the kind
// of update that was ignored, and a callback query to answer either way.
type inbound struct {
	updateID int64
	msg      *bot.Message
	ignored  string // metric kind when msg is nil
	callback string // callback query id to answer

	// private is the id of a message in a private chat, mapped or
	// ignored, recorded for a later ClearRecent.
	private     int64
	privateChat string
	privateAt   time.Time
}

// key groups inbounds that must be submitted in order (one conversation).
func (in inbound) key() string {
	if in.msg == nil {
		return ""
	}
	return in.msg.ChatID
}

// otherKinds are the update types Telegram documents besides those mapped;
// anything else is counted as "unknown" so a sender cannot invent labels.
var otherKinds = map[string]bool{"inline_query": true, "chosen_inline_result": true,
	"shipping_query": true, "pre_checkout_query": true, "purchased_paid_media": true, "poll": true,
	"poll_answer": true, "chat_member": true, "chat_join_request": true, "message_reaction": true,
	"message_reaction_count": true, "chat_boost": true, "removed_chat_boost": true,
	"business_connection": true, "business_message": true, "edited_business_message": true,
	"deleted_business_messages": true}

// unknownKind names the update type of raw for the ignored-updates metric.
func unknownKind(raw []byte) string {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return "unknown"
	}
	for k := range fields {
		if otherKinds[k] {
			return k
		}
	}
	return "unknown"
}

// decode reads one update. It fails only when raw is not an update at all.
func decode(raw []byte) (*update, error) {
	var u update
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// convert maps an update to a message or an ignored kind. It does no I/O:
// callback data that is a token is resolved later (resolvePayload).
func (c *Channel) convert(u *update, raw []byte) inbound {
	in := inbound{updateID: u.UpdateID}
	switch {
	case u.Message != nil:
		c.convertMessage(&in, u.Message)
	case u.CallbackQuery != nil:
		c.convertCallback(&in, u.CallbackQuery)
	case u.MyChatMember != nil:
		c.convertMember(&in, u.MyChatMember)
	case u.EditedMessage != nil:
		in.ignored = "edited_message"
	case u.ChannelPost != nil:
		in.ignored = "channel_post"
	case u.EditedChannelPost != nil:
		in.ignored = "edited_channel_post"
	default:
		in.ignored = unknownKind(raw)
	}
	return in
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func chatType(t string) (bot.ChatType, bool) {
	switch t {
	case "private":
		return bot.ChatPrivate, true
	case "group", "supergroup":
		return bot.ChatGroup, true
	}
	return "", false
}

func userName(u *user) string {
	if u.FirstName != "" {
		return u.FirstName
	}
	if u.UserName != "" {
		return "@" + u.UserName
	}
	return ""
}

func (c *Channel) baseMessage(updateID int64, ch chat, ct bot.ChatType) *bot.Message {
	return &bot.Message{ID: id(updateID), Channel: Name, ChatID: id(ch.ID), ChatType: ct}
}

func (c *Channel) convertMessage(in *inbound, m *message) {
	ct, ok := chatType(m.Chat.Type)
	if !ok {
		in.ignored = "channel_post"
		return
	}
	if ct == bot.ChatPrivate && m.MessageID > 0 {
		in.private, in.privateChat, in.privateAt = m.MessageID, id(m.Chat.ID), unixTime(m.Date)
	}
	// A group that became a supergroup: both the old group's last message
	// and the new supergroup's first one say so; one id for the pair lets
	// the engine handle it once.
	if m.MigrateToChatID != 0 || m.MigrateFromChatID != 0 {
		old, moved := m.Chat.ID, m.MigrateToChatID
		if m.MigrateFromChatID != 0 {
			old, moved = m.MigrateFromChatID, m.Chat.ID
		}
		if old == moved {
			in.ignored = "migration_same_chat"
			return
		}
		msg := &bot.Message{ID: "migrate:" + id(old) + ":" + id(moved), Channel: Name, ChatID: id(old),
			ChatType: bot.ChatGroup, Event: bot.EventChatMoved, NewChatID: id(moved), Time: unixTime(m.Date)}
		if m.From != nil {
			msg.UserID = id(m.From.ID)
		}
		in.msg = msg
		return
	}

	var from string
	var sender *user
	switch {
	case m.SenderChat != nil: // an anonymous group admin, or a linked channel
		from = id(m.SenderChat.ID)
	case m.From == nil:
		in.ignored = "no_sender"
		return
	case m.From.IsBot:
		in.ignored = "from_bot"
		return
	default:
		from, sender = id(m.From.ID), m.From
	}

	text := m.Text
	if text == "" {
		text = m.Caption
	}
	media := messageMedia(m)
	if text == "" && len(media) == 0 {
		in.ignored = serviceKind(m)
		return
	}

	text, keep := c.filterText(text, m, ct)
	if !keep {
		in.ignored = "group_message"
		return
	}
	msg := c.baseMessage(in.updateID, m.Chat, ct)
	msg.UserID = from
	msg.Text = text
	msg.Media = media
	msg.Time = unixTime(m.Date)
	if sender != nil {
		msg.UserName = userName(sender)
		msg.LanguageCode = sender.LanguageCode
	}
	if m.IsTopicMessage && m.MessageThreadID != 0 {
		msg.ThreadID = id(m.MessageThreadID)
	}
	msg.ReplyToText = c.replyToText(m)
	in.msg = msg
}

// MaxReplyToText bounds Message.ReplyToText, in bytes.
const MaxReplyToText = 4096

// replyToText is the text (or caption) of the bot's own message that m
// replies to, cut to MaxReplyToText bytes; "" when m replies to anyone
// else, or only sits in a forum topic the bot opened (Telegram marks every
// topic message as a reply to the topic's first, textless, message).
func (c *Channel) replyToText(m *message) string {
	r := m.ReplyToMessage
	if r == nil || r.From == nil || c.botID == 0 || r.From.ID != c.botID || r.ForumTopicCreated != nil {
		return ""
	}
	text := r.Text
	if text == "" {
		text = r.Caption
	}
	if len(text) <= MaxReplyToText {
		return text
	}
	text = text[:MaxReplyToText]
	for len(text) > 0 && !utf8.ValidString(text) {
		text = text[:len(text)-1] // a character cut in two
	}
	return text
}

// serviceKind names a message with neither text nor media.
func serviceKind(m *message) string {
	if m.NewChatMembers != nil || m.LeftChatMember != nil || m.GroupChatCreated || m.SupergroupCreated ||
		m.NewChatTitle != nil || m.PinnedMessage != nil || m.ForumTopicCreated != nil {
		return "service_message"
	}
	return "unsupported_content" // contact, location, poll, dice, …: not passed on
}

func messageMedia(m *message) []bot.Media {
	ref := func(kind bot.MediaKind, f *file) []bot.Media {
		if f == nil || f.FileID == "" {
			return nil
		}
		return []bot.Media{{Kind: kind, Ref: f.FileID, MIME: f.MIMEType, Size: f.FileSize}}
	}
	if len(m.Photo) > 0 {
		best := m.Photo[0]
		for _, p := range m.Photo[1:] {
			if p.Width*p.Height > best.Width*best.Height ||
				p.Width*p.Height == best.Width*best.Height && p.FileSize > best.FileSize {
				best = p
			}
		}
		return ref(bot.MediaPhoto, &best.file)
	}
	for _, c := range []struct {
		kind bot.MediaKind
		f    *file
	}{{bot.MediaVoice, m.Voice}, {bot.MediaAudio, m.Audio}, {bot.MediaVideo, m.Video},
		{bot.MediaVideo, m.VideoNote}, {bot.MediaDocument, m.Document}, {bot.MediaOther, m.Sticker}} {
		if c.f != nil {
			return ref(c.kind, c.f)
		}
	}
	return nil
}

// deepLinkRE is what a /start payload may be.
var deepLinkRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// filterText normalises commands and mentions and reports whether the
// message is for the bot: always in private; in a group only a command, a
// reply to the bot or a mention (or anything in the moderators' room).
func (c *Channel) filterText(text string, m *message, ct bot.ChatType) (string, bool) {
	forBot := ct == bot.ChatPrivate || (c.cfg.ModeratorChatID != "" && id(m.Chat.ID) == c.cfg.ModeratorChatID)
	if strings.HasPrefix(text, "/") {
		cmd, args := text, ""
		if i := strings.IndexFunc(text, unicode.IsSpace); i > 0 {
			cmd, args = text[:i], text[i:]
		}
		if name, target, ok := strings.Cut(cmd, "@"); ok {
			if !strings.EqualFold(target, c.botUserName) && ct == bot.ChatGroup {
				return "", false // a command for another bot
			}
			cmd = name
		}
		if strings.EqualFold(cmd, "/start") {
			args = strings.TrimSpace(args)
			if args != "" && !deepLinkRE.MatchString(args) {
				c.metrics.Inc("phuan_telegram_deep_links_rejected_total")
				args = ""
			}
		}
		if args = strings.TrimSpace(args); args != "" {
			return cmd + " " + args, true
		}
		return cmd, true
	}
	if forBot {
		return text, true
	}
	if r := m.ReplyToMessage; r != nil && r.From != nil && r.From.ID == c.botID && r.ForumTopicCreated == nil {
		return strings.TrimSpace(c.removeMention(text)), true
	}
	if stripped := c.removeMention(text); stripped != text {
		return strings.TrimSpace(stripped), true
	}
	return "", false
}

// removeMention deletes every "@botname" (in any letter case) from text.
// Usernames are ASCII, so matching folds ASCII case only and byte offsets
// stay those of text.
func (c *Channel) removeMention(text string) string {
	if c.botUserName == "" {
		return text
	}
	at := "@" + c.botUserName
	var b strings.Builder
	last := 0
	for i := 0; i+len(at) <= len(text); i++ {
		end := i + len(at)
		if text[i] != '@' || !strings.EqualFold(text[i:end], at) ||
			end < len(text) && isNameByte(text[end]) || i > 0 && isNameByte(text[i-1]) {
			continue
		}
		b.WriteString(text[last:i])
		last, i = end, end-1
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return strings.Join(strings.Fields(b.String()), " ")
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func (c *Channel) convertCallback(in *inbound, q *callbackQuery) {
	in.callback = q.ID
	switch {
	case q.Data == "":
		in.ignored = "callback_without_data"
		return
	case q.Message == nil:
		in.ignored = "callback_inline" // Phuan sends no inline messages
		return
	}
	ct, ok := chatType(q.Message.Chat.Type)
	if !ok {
		in.ignored = "callback_channel"
		return
	}
	msg := c.baseMessage(in.updateID, q.Message.Chat, ct)
	msg.UserID = id(q.From.ID)
	msg.UserName = userName(&q.From)
	msg.LanguageCode = q.From.LanguageCode
	msg.Payload = q.Data
	msg.Time = c.clock.Now()
	if q.Message.IsTopicMessage && q.Message.MessageThreadID != 0 {
		msg.ThreadID = id(q.Message.MessageThreadID)
	}
	in.msg = msg
}

func isIn(m chatMember) bool {
	switch m.Status {
	case "creator", "administrator", "member":
		return true
	case "restricted":
		return m.IsMember
	}
	return false
}

func (c *Channel) convertMember(in *inbound, u *chatMemberUpdated) {
	ct, ok := chatType(u.Chat.Type)
	if !ok {
		in.ignored = "channel_member"
		return
	}
	var ev bot.Event
	switch {
	case ct == bot.ChatPrivate && u.NewChatMember.Status == "kicked":
		ev = bot.EventBlocked
	case ct == bot.ChatPrivate && isIn(u.NewChatMember) && !isIn(u.OldChatMember):
		ev = bot.EventUnblocked
	case ct == bot.ChatGroup && isIn(u.NewChatMember) && !isIn(u.OldChatMember):
		ev = bot.EventJoinedGroup
	case ct == bot.ChatGroup && !isIn(u.NewChatMember) && isIn(u.OldChatMember):
		ev = bot.EventLeftGroup
	default:
		in.ignored = "member_status"
		return
	}
	msg := c.baseMessage(in.updateID, u.Chat, ct)
	msg.Event = ev
	msg.UserID = id(u.From.ID)
	msg.LanguageCode = u.From.LanguageCode
	msg.Time = unixTime(u.Date)
	in.msg = msg
}

func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// tokenPrefix marks callback_data that stands for a stored payload.
const tokenPrefix = "t:"

// resolvePayload replaces a token in a callback's payload with the stored
// payload. An unknown token (pruned, or from an old menu) is passed on as
// it is: handlers treat any payload they do not know as a stale button.
func (c *Channel) resolvePayload(in *inbound) error {
	if in.msg == nil || !strings.HasPrefix(in.msg.Payload, tokenPrefix) || c.cfg.Payloads == nil {
		return nil
	}
	p, found, err := c.cfg.Payloads.LookupPayload(strings.TrimPrefix(in.msg.Payload, tokenPrefix))
	if err != nil {
		return err
	}
	if !found {
		c.metrics.Inc("phuan_telegram_payload_tokens_unknown_total")
		return nil
	}
	if utf8.ValidString(p) {
		in.msg.Payload = p
	}
	return nil
}
