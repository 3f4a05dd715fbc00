package messenger

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"phuan/bot"
)

// Messenger's limits on what one message may carry.
const (
	maxTextRunes         = 2000
	maxTemplateTextRunes = 640
	maxQuickReplies      = 13
	maxTemplateButtons   = 3
	maxButtonTitleRunes  = 20
	maxPayloadRunes      = 1000
)

// The messaging window. A person can be messaged freely for 24 hours after
// their last message, and by a human agent (with the HUMAN_AGENT tag) for
// 7 days. Each window is treated as closing windowMargin early so that a
// reply sent in several parts is not cut off half-way.
const (
	standardWindow = 24 * time.Hour
	humanWindow    = 7 * 24 * time.Hour
	windowMargin   = time.Minute
)

// placeholderText stands in where Messenger needs text and the reply has
// none (a template without text, quick replies without text or media).
const placeholderText = "⋯"

// Send delivers one reply to the person d.ChatID. It first applies the
// window: within 24 hours of the person's last message the reply goes out
// as RESPONSE (purposes response and moderator) or UPDATE (update and
// broadcast); between 24 hours and 7 days a moderator's reply goes out with
// the HUMAN_AGENT tag when Config.HumanAgent is set; anything else returns a
// Held *bot.SendError without calling Meta, and the sender keeps it until
// the person writes again.
//
// The reply becomes several Send API calls: each attachment, then the text
// in parts of at most 2000 characters cut on phrase boundaries, with the
// buttons on the last part (see useQuickReplies). When a call fails, the parts
// already accepted are remembered, and the retry of the same delivery sends
// only the rest.
func (c *Channel) Send(ctx context.Context, d bot.Delivery) error {
	if d.ChatID == "" {
		return &bot.SendError{Kind: bot.Permanent, Err: errors.New("send messenger message: no recipient")}
	}
	msgType, tag, err := c.window(d)
	if err != nil {
		return err
	}
	msgs, dropped := compose(d.Reply)
	if dropped > 0 {
		c.log.Warn("parts of a reply cannot be sent on messenger", "seq", d.Seq, "dropped", dropped)
	}
	if len(msgs) == 0 {
		if dropped > 0 {
			return &bot.SendError{Kind: bot.Permanent, Err: errors.New("send messenger message: nothing in the reply can be sent on messenger")}
		}
		return nil
	}
	for i := min(max(d.PartsSent, 0), len(msgs)); i < len(msgs); i++ {
		req := sendRequest{Recipient: recipient{ID: d.ChatID}, MessagingType: msgType, Tag: tag, Message: &msgs[i]}
		if err := c.post(ctx, "/me/messages", req); err != nil {
			return fmt.Errorf("send messenger message part %d of %d: %w", i+1, len(msgs), err)
		}
		if i < len(msgs)-1 {
			d.Accepted(i + 1)
		}
	}
	return nil
}

// TypingOn shows the typing indicator to the person psid while a slow
// answer is prepared.
func (c *Channel) TypingOn(ctx context.Context, psid string) error {
	if err := c.post(ctx, "/me/messages", sendRequest{Recipient: recipient{ID: psid}, SenderAction: "typing_on"}); err != nil {
		return fmt.Errorf("show typing indicator: %w", err)
	}
	return nil
}

// window decides how a delivery may be sent now: a messaging type and tag,
// or a Held error.
func (c *Channel) window(d bot.Delivery) (msgType, tag string, err error) {
	last, err := c.cfg.Contacts.LastContact(ChannelName, d.ChatID)
	if err != nil {
		return "", "", &bot.SendError{Kind: bot.Transient, Err: fmt.Errorf("check the messaging window: %w", err)}
	}
	held := func(why string) error {
		return &bot.SendError{Kind: bot.Held, Err: errors.New(why)}
	}
	if last.IsZero() {
		return "", "", held("the person has not written to the page yet")
	}
	age := c.cfg.Clock.Now().Sub(last)
	switch {
	case age < standardWindow-windowMargin:
		switch d.Purpose {
		case bot.PurposeUpdate, bot.PurposeBroadcast:
			return "UPDATE", "", nil
		}
		return "RESPONSE", "", nil
	case d.Purpose == bot.PurposeModerator && age < humanWindow-windowMargin:
		if c.cfg.HumanAgent {
			return "MESSAGE_TAG", "HUMAN_AGENT", nil
		}
		return "", "", held("outside the 24-hour window and the HUMAN_AGENT tag is not enabled (MESSENGER_HUMAN_AGENT)")
	case d.Purpose == bot.PurposeModerator:
		return "", "", held("more than 7 days since the person last wrote")
	}
	return "", "", held("outside the 24-hour window")
}

// Wire format of Send API requests.
type (
	sendRequest struct {
		Recipient     recipient   `json:"recipient"`
		MessagingType string      `json:"messaging_type,omitempty"`
		Tag           string      `json:"tag,omitempty"`
		Message       *outMessage `json:"message,omitempty"`
		SenderAction  string      `json:"sender_action,omitempty"`
	}
	recipient struct {
		ID string `json:"id"`
	}
	outMessage struct {
		Text         string         `json:"text,omitempty"`
		Attachment   *outAttachment `json:"attachment,omitempty"`
		QuickReplies []quickReply   `json:"quick_replies,omitempty"`
	}
	outAttachment struct {
		Type    string `json:"type"`
		Payload any    `json:"payload"`
	}
	mediaPayload struct {
		URL          string `json:"url,omitempty"`
		AttachmentID string `json:"attachment_id,omitempty"`
	}
	templatePayload struct {
		TemplateType string      `json:"template_type"`
		Text         string      `json:"text"`
		Buttons      []outButton `json:"buttons"`
	}
	outButton struct {
		Type    string `json:"type"`
		Title   string `json:"title"`
		Payload string `json:"payload,omitempty"`
		URL     string `json:"url,omitempty"`
	}
	quickReply struct {
		ContentType string `json:"content_type"`
		Title       string `json:"title"`
		Payload     string `json:"payload"`
	}
)

// compose lays a reply out as Send API messages, in order: attachments,
// then the text parts, the buttons going with the end (see layoutButtons).
// It reports how many attachments and buttons could not be sent.
func compose(r bot.Reply) (msgs []outMessage, dropped int) {
	for _, m := range r.Media {
		a, ok := attachment(m)
		if !ok {
			dropped++
			continue
		}
		msgs = append(msgs, outMessage{Attachment: a})
	}
	buttons, bad := usableButtons(r.Buttons)
	dropped += bad

	text := strings.TrimSpace(r.Text)
	var parts []string
	if text != "" {
		parts = bot.SplitText(text, maxTextRunes)
	}
	if len(buttons) == 0 {
		for _, p := range parts {
			msgs = append(msgs, outMessage{Text: p})
		}
		return msgs, dropped
	}
	if useQuickReplies(buttons) {
		qr := quickReplies(buttons)
		for _, p := range parts {
			msgs = append(msgs, outMessage{Text: p})
		}
		if len(msgs) == 0 {
			msgs = append(msgs, outMessage{Text: placeholderText})
		}
		msgs[len(msgs)-1].QuickReplies = qr
		return msgs, dropped
	}
	// Templates: the end of the text, at most 640 characters, goes in the
	// first one.
	last := placeholderText
	if len(parts) > 0 {
		lastParts := bot.SplitText(parts[len(parts)-1], maxTemplateTextRunes)
		parts = append(parts[:len(parts)-1], lastParts...)
		last = parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	for _, p := range parts {
		msgs = append(msgs, outMessage{Text: p})
	}
	return append(msgs, templates(last, buttons)...), dropped
}

// useQuickReplies tells how buttons are laid out. Quick replies, the
// Messenger idiom for choices, are used when every button sends a payload
// and there are at most 13: they sit on the last message and disappear once
// one is tapped. Otherwise — a link button (quick replies cannot open
// links) or more than 13 choices — the buttons go into button templates of
// three, in reading order, which stay in the conversation: the first carries
// the end of the text (at most 640 characters), each further one a page
// marker such as "2/5". A postback button sends the same payload as the
// quick reply would.
func useQuickReplies(buttons []bot.Button) bool {
	if len(buttons) > maxQuickReplies {
		return false
	}
	for _, b := range buttons {
		if b.URL != "" {
			return false
		}
	}
	return true
}

func quickReplies(buttons []bot.Button) []quickReply {
	qr := make([]quickReply, 0, len(buttons))
	for _, b := range buttons {
		qr = append(qr, quickReply{ContentType: "text", Title: cutTitle(b.Label, maxButtonTitleRunes), Payload: b.Payload})
	}
	return qr
}

func templates(text string, buttons []bot.Button) []outMessage {
	pages := (len(buttons) + maxTemplateButtons - 1) / maxTemplateButtons
	var msgs []outMessage
	for p := range pages {
		group := buttons[p*maxTemplateButtons : min((p+1)*maxTemplateButtons, len(buttons))]
		out := make([]outButton, 0, len(group))
		for _, b := range group {
			if b.URL != "" {
				out = append(out, outButton{Type: "web_url", Title: cutTitle(b.Label, maxButtonTitleRunes), URL: b.URL})
			} else {
				out = append(out, outButton{Type: "postback", Title: cutTitle(b.Label, maxButtonTitleRunes), Payload: b.Payload})
			}
		}
		t := text
		if p > 0 {
			t = strconv.Itoa(p+1) + "/" + strconv.Itoa(pages)
		}
		msgs = append(msgs, outMessage{Attachment: &outAttachment{Type: "template",
			Payload: templatePayload{TemplateType: "button", Text: t, Buttons: out}}})
	}
	return msgs
}

// usableButtons flattens the button rows and drops buttons Messenger would
// refuse: no label, neither payload nor http(s) link, or a payload longer
// than 1000 characters.
func usableButtons(rows [][]bot.Button) (ok []bot.Button, dropped int) {
	for _, row := range rows {
		for _, b := range row {
			b.Label = strings.TrimSpace(b.Label)
			switch {
			case b.Label == "":
				dropped++
			case b.URL != "":
				if u, err := url.Parse(b.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					dropped++
					continue
				}
				ok = append(ok, bot.Button{Label: b.Label, URL: b.URL})
			case b.Payload == "" || len([]rune(b.Payload)) > maxPayloadRunes:
				dropped++
			default:
				ok = append(ok, b)
			}
		}
	}
	return ok, dropped
}

// attachment sends media by reference: an http(s) URL, or the id of an
// attachment uploaded to Messenger before. Other references (a Telegram
// file id) cannot be sent here.
func attachment(m bot.Media) (*outAttachment, bool) {
	var p mediaPayload
	switch {
	case isDigits(m.Ref):
		p.AttachmentID = m.Ref
	case strings.HasPrefix(m.Ref, "https://") || strings.HasPrefix(m.Ref, "http://"):
		p.URL = m.Ref
	default:
		return nil, false
	}
	kind := "file"
	switch m.Kind {
	case bot.MediaPhoto:
		kind = "image"
	case bot.MediaVoice, bot.MediaAudio:
		kind = "audio"
	case bot.MediaVideo:
		kind = "video"
	}
	return &outAttachment{Type: kind, Payload: p}, true
}

func isDigits(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// cutTitle fits a button label into limit characters with bot.CutLabel, and
// also keeps a Lao or Thai vowel that is written before its consonant from
// being left at the end without it.
func cutTitle(label string, limit int) string {
	t := bot.CutLabel(label, limit)
	if t == label {
		return t
	}
	r := []rune(strings.TrimSuffix(t, "…"))
	for len(r) > 1 && isLeadingVowel(r[len(r)-1]) {
		r = r[:len(r)-1]
	}
	return strings.TrimSpace(string(r)) + "…"
}

// isLeadingVowel reports Lao (ເ ແ ໂ ໃ ໄ) and Thai (เ แ โ ใ ไ) vowels written
// before the consonant they follow in speech.
func isLeadingVowel(c rune) bool {
	return (c >= 0x0EC0 && c <= 0x0EC4) || (c >= 0x0E40 && c <= 0x0E44)
}
