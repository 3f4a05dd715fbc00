package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"maps"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"phuan/bot"
)

// Bot API size limits, in UTF-16 code units as Telegram counts them.
const (
	MaxTextLength    = 4096
	MaxCaptionLength = 1024
	MaxCallbackData  = 64 // bytes
)

// MaxUploadBytes bounds a file the bot uploads (Media.Data): the Bot API
// takes at most 50 MB from a bot.
const MaxUploadBytes = 50 << 20

// part is one Bot API request of a reply.
type part struct {
	method string
	params tgbotapi.Params
	files  []tgbotapi.RequestFile // sent as multipart/form-data
	// fallback is sent when Telegram refuses a file given by its web
	// address (a format or host it does not take, as with some Messenger
	// audio): the address as a link, with the caption, so nothing a person
	// sent is lost.
	fallback tgbotapi.Params
}

// Send delivers one outbox item: its text in parts of at most 4096
// characters cut on phrase boundaries, HTML-escaped, then its media by
// file id or web address (one Telegram refuses goes as a link) or
// uploaded (a file the bot made), with the buttons under
// the last part. A reply with ClearRecent to a private chat first deletes
// the chat's messages of the last 48 hours. A retry of the same item (same
// Seq) resumes after the parts Telegram already accepted; that memory is
// the process's, so after a restart the item is sent from its first part
// again. Errors are *bot.SendError, classified once here.
func (c *Channel) Send(ctx context.Context, d bot.Delivery) error {
	parts, err := c.plan(d)
	if err != nil {
		return err
	}
	first := min(max(d.PartsSent, 0), len(parts))
	if first == 0 && d.Reply.ClearRecent {
		if err := c.clearRecent(ctx, d); err != nil {
			return err
		}
	}
	var sent []int64
	defer func() { c.recordMessageIDs(d.ChatID, sent, c.clock.Now()) }()
	for i := first; i < len(parts); i++ {
		result, err := c.sendPart(ctx, d, parts[i])
		if err != nil {
			return classify(err)
		}
		if id := c.privateMessageID(d, result); id != 0 {
			sent = append(sent, id)
		}
		if i < len(parts)-1 {
			d.Accepted(i + 1)
		}
	}
	return nil
}

// sendPart makes one part's request, with the two recoveries a refusal
// allows: a topic that is gone (deleted or closed in the moderators' room)
// gets the part in the room's general chat instead; a file refused by its
// web address goes as a link (part.fallback).
func (c *Channel) sendPart(ctx context.Context, d bot.Delivery, p part) (json.RawMessage, error) {
	result, err := c.upload(ctx, p.method, p.params, p.files)
	if err != nil && p.params["message_thread_id"] != "" && topicGone(err) {
		c.log.Warn("the topic is gone; sending to the room's general chat", "method", p.method, "seq", d.Seq)
		p.params, p.fallback = withoutThread(p.params), withoutThread(p.fallback)
		result, err = c.upload(ctx, p.method, p.params, p.files)
	}
	if err != nil && p.fallback != nil && refusedFile(err) {
		c.log.Warn("a file given by its address was refused; sending the address", "method", p.method, "seq", d.Seq)
		result, err = c.upload(ctx, "sendMessage", p.fallback, nil)
	}
	return result, err
}

// withoutThread is a copy of params for the chat's general topic.
func withoutThread(params tgbotapi.Params) tgbotapi.Params {
	if params == nil {
		return nil
	}
	out := maps.Clone(params)
	delete(out, "message_thread_id")
	return out
}

// topicGone reports whether Telegram refused a request because its topic
// no longer takes messages.
func topicGone(err error) bool {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Code != http.StatusBadRequest {
		return false
	}
	desc := strings.ToLower(ae.Description)
	return strings.Contains(desc, "thread not found") || strings.Contains(desc, "topic_closed") ||
		strings.Contains(desc, "topic_deleted")
}

// plan turns a delivery into the requests that make it, the same way on
// every attempt.
func (c *Channel) plan(d bot.Delivery) ([]part, error) {
	base := func() tgbotapi.Params {
		p := tgbotapi.Params{"chat_id": d.ChatID}
		p.AddNonEmpty("message_thread_id", d.ThreadID)
		if c.cfg.PaidBroadcast && d.Purpose == bot.PurposeBroadcast {
			p["allow_paid_broadcast"] = "true"
		}
		return p
	}
	text := strings.TrimSpace(d.Reply.Text)
	var media []bot.Media
	for _, m := range d.Reply.Media {
		if m.Ref != "" || len(m.Data) > 0 {
			media = append(media, m)
		}
		if m.Ref == "" && len(m.Data) > MaxUploadBytes {
			return nil, &bot.SendError{Kind: bot.Permanent,
				Err: fmt.Errorf("telegram send: a file of %d bytes is over the %d-byte upload limit", len(m.Data), MaxUploadBytes)}
		}
	}
	mediaPart := func(m bot.Media, caption string) part {
		p := base()
		if caption != "" {
			p["caption"] = html.EscapeString(caption)
			p["parse_mode"] = "HTML"
		}
		method, field := mediaMethod(m.Kind)
		if m.Ref == "" {
			file := tgbotapi.FileBytes{Name: uploadName(m.Name), Bytes: m.Data}
			return part{method: method, params: p, files: []tgbotapi.RequestFile{{Name: field, Data: file}}}
		}
		p[field] = m.Ref
		pt := part{method: method, params: p}
		if m.Portable() {
			link := mediaIcon(m.Kind) + " " + m.Ref
			if caption != "" {
				link = caption + "\n" + link
			}
			pt.fallback = base()
			pt.fallback["text"] = html.EscapeString(link)
			pt.fallback["parse_mode"] = "HTML"
		}
		return pt
	}

	var parts []part
	if len(media) == 1 && text != "" && utf16Len(text) <= MaxCaptionLength {
		parts = append(parts, mediaPart(media[0], text))
	} else {
		if text != "" {
			for _, t := range splitText(text, MaxTextLength) {
				p := base()
				p["text"] = html.EscapeString(t)
				p["parse_mode"] = "HTML"
				parts = append(parts, part{method: "sendMessage", params: p})
			}
		}
		for _, m := range media {
			parts = append(parts, mediaPart(m, ""))
		}
	}
	if len(parts) == 0 {
		return nil, &bot.SendError{Kind: bot.Permanent, Err: errors.New("telegram send: the reply has no text and no media")}
	}
	if len(d.Reply.Buttons) > 0 {
		markup, err := c.keyboard(d.Reply.Buttons)
		if err != nil {
			return nil, err
		}
		if len(markup.InlineKeyboard) > 0 {
			last := &parts[len(parts)-1]
			if err := last.params.AddInterface("reply_markup", markup); err != nil {
				return nil, &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("telegram send: encode buttons: %w", err)}
			}
			if last.fallback != nil {
				last.fallback["reply_markup"] = last.params["reply_markup"]
			}
		}
	}
	return parts, nil
}

// uploadName is the file name an upload carries: the last element of
// name, without control characters, at most 128 bytes; "file" if nothing
// is left.
func uploadName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > 128 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if strings.Trim(name, ".") == "" {
		return "file"
	}
	return name
}

// mediaIcon marks a file sent as a link by its kind.
func mediaIcon(k bot.MediaKind) string {
	switch k {
	case bot.MediaPhoto:
		return "🖼"
	case bot.MediaVoice, bot.MediaAudio:
		return "🎤"
	case bot.MediaVideo:
		return "🎬"
	}
	return "📎"
}

// refusedFile reports whether Telegram refused a request as bad (a file it
// cannot fetch or take), not for the chat having moved.
func refusedFile(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Code == http.StatusBadRequest && ae.MigrateTo == 0
}

func mediaMethod(k bot.MediaKind) (method, field string) {
	switch k {
	case bot.MediaPhoto:
		return "sendPhoto", "photo"
	case bot.MediaVoice:
		return "sendVoice", "voice"
	case bot.MediaAudio:
		return "sendAudio", "audio"
	case bot.MediaVideo:
		return "sendVideo", "video"
	}
	return "sendDocument", "document"
}

// keyboard builds an inline keyboard. A payload that does not fit in
// callback_data (or looks like a token) is stored and sent as a token.
func (c *Channel) keyboard(rows [][]bot.Button) (tgbotapi.InlineKeyboardMarkup, error) {
	var kb tgbotapi.InlineKeyboardMarkup
	for _, row := range rows {
		var out []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			label := bot.CutLabel(strings.TrimSpace(b.Label), 64)
			if label == "" {
				label = "•"
			}
			if b.URL != "" {
				u := b.URL
				out = append(out, tgbotapi.InlineKeyboardButton{Text: label, URL: &u})
				continue
			}
			data := b.Payload
			if data == "" {
				data = b.Label
			}
			data, err := c.callbackData(data)
			if err != nil {
				return kb, err
			}
			out = append(out, tgbotapi.InlineKeyboardButton{Text: label, CallbackData: &data})
		}
		if len(out) > 0 {
			kb.InlineKeyboard = append(kb.InlineKeyboard, out)
		}
	}
	return kb, nil
}

func (c *Channel) callbackData(payload string) (string, error) {
	if len(payload) <= MaxCallbackData && utf8.ValidString(payload) && !strings.HasPrefix(payload, tokenPrefix) {
		return payload, nil
	}
	if c.cfg.Payloads == nil {
		return "", &bot.SendError{Kind: bot.Permanent,
			Err: fmt.Errorf("telegram send: a button payload of %d bytes needs a payload store", len(payload))}
	}
	token, err := c.cfg.Payloads.PutPayload(payload, c.clock.Now())
	if err != nil {
		return "", &bot.SendError{Kind: bot.Transient, Err: fmt.Errorf("telegram send: %w", err)}
	}
	return tokenPrefix + token, nil
}

// splitText cuts s into parts of at most limit UTF-16 code units, using
// bot.SplitText's boundaries (never inside a grapheme cluster).
func splitText(s string, limit int) []string { return splitUnits(s, limit, limit) }

func splitUnits(s string, runeLimit, unitLimit int) []string {
	var out []string
	for _, p := range bot.SplitText(s, runeLimit) {
		if len(p) <= unitLimit { // no more UTF-16 units than bytes
			out = append(out, p)
			continue
		}
		n := utf16Len(p)
		if n <= unitLimit {
			out = append(out, p)
			continue
		}
		// Characters outside the BMP count twice: cut this part shorter.
		runes := utf8.RuneCountInString(p)
		out = append(out, splitUnits(p, max(8, runes*unitLimit/n), unitLimit)...)
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// unreachableTexts are 403 descriptions that mean the person or group
// cannot be written to any more.
var unreachableTexts = []string{"bot was blocked by the user", "user is deactivated", "bot was kicked",
	"bot is not a member", "bot can't initiate conversation", "bot can't send messages to bots"}

// classify turns a failed Bot API call into a *bot.SendError, once.
func classify(err error) *bot.SendError {
	var ae *apiError
	if !errors.As(err, &ae) {
		return &bot.SendError{Kind: bot.Transient, Err: err}
	}
	se := &bot.SendError{Kind: bot.Permanent, Err: ae}
	switch {
	case ae.Code == http.StatusTooManyRequests:
		se.Kind = bot.Throttled
		se.RetryAfter = time.Duration(max(ae.RetryAfter, 1)) * time.Second
	case ae.Code == 0 || ae.Code >= 500:
		se.Kind = bot.Transient // network, timeout, or an answer that was not the Bot API's
	case ae.Code == http.StatusBadRequest && ae.MigrateTo != 0:
		se.Kind = bot.ChatMoved
		se.NewChatID = id(ae.MigrateTo)
	case ae.Code == http.StatusForbidden:
		desc := strings.ToLower(ae.Description)
		for _, t := range unreachableTexts {
			if strings.Contains(desc, t) {
				se.Kind = bot.Unreachable
			}
		}
	case ae.Code == http.StatusUnauthorized || ae.Code == http.StatusNotFound || ae.Code == http.StatusConflict:
		// A refused token or a Bot API server in trouble: no message is at
		// fault, so keep them and retry while someone fixes it.
		se.Kind = bot.Transient
	}
	return se
}

// TypingOn shows "typing…" in a chat while a slow answer is prepared;
// Telegram shows it for 5 seconds or until the bot's next message.
func (c *Channel) TypingOn(ctx context.Context, chatID string) error {
	if _, err := c.call(ctx, "sendChatAction", tgbotapi.Params{"chat_id": chatID, "action": "typing"}); err != nil {
		return fmt.Errorf("show typing indicator: %w", classify(err))
	}
	return nil
}
