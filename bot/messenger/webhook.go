package messenger

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"phuan/bot"
)

// MaxBodyBytes is the largest webhook body accepted.
const MaxBodyBytes = 1 << 20

// GetStartedPayload is the payload of the Get Started button that Setup
// installs; pressing it arrives as the text "/start", or "/start REF" when
// the person came through an m.me link with a ref.
const GetStartedPayload = "GET_STARTED"

// maxRefLen bounds a referral ref (Meta allows 250 characters).
const maxRefLen = 250

// Submitter stores an incoming message; *bot.Engine implements it.
// Once Submit returns nil the message is durable.
type Submitter interface {
	Submit(m bot.Message) (duplicate bool, err error)
}

// WebhookHandler answers Meta's webhook: GET verifies the subscription,
// POST takes signed event batches. A POST is answered 200 only after every
// event in it was stored, so Meta re-delivers a batch that failed; the
// engine drops what it already has by message id.
func (c *Channel) WebhookHandler(sub Submitter) http.Handler {
	return &webhook{c: c, sub: sub}
}

type webhook struct {
	c   *Channel
	sub Submitter
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verify answers the subscription check by echoing hub.challenge when the
// verify token matches.
func (h *webhook) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(h.c.cfg.VerifyToken)) != 1 {
		h.reject(w, http.StatusForbidden, "verify_token", "webhook verification refused")
		return
	}
	challenge := q.Get("hub.challenge")
	if challenge == "" || len(challenge) > 1024 {
		h.reject(w, http.StatusBadRequest, "challenge", "missing or oversized hub.challenge")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, challenge)
	h.c.log.Info("webhook verified")
}

func (h *webhook) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.reject(w, http.StatusRequestEntityTooLarge, "too_large", "body larger than 1 MB")
			return
		}
		h.reject(w, http.StatusBadRequest, "read", "could not read body")
		return
	}
	if !validSignature(r.Header.Get("X-Hub-Signature-256"), body, h.c.cfg.AppSecret) {
		h.reject(w, http.StatusForbidden, "signature", "missing or wrong X-Hub-Signature-256")
		return
	}
	msgs, ignored, err := parseBody(body)
	if err != nil {
		h.reject(w, http.StatusBadRequest, "malformed", "malformed body")
		h.c.log.Warn("webhook body refused", "err", err)
		return
	}
	for kind, n := range ignored {
		h.c.cfg.Metrics.Add("phuan_updates_ignored_total", int64(n), "channel", ChannelName, "kind", kind)
	}
	now := h.c.cfg.Clock.Now()
	for _, m := range msgs {
		// The contact time is recorded first: storing the message releases
		// held messages, and sending them looks it up.
		at := m.Time
		if at.IsZero() || at.After(now) {
			at = now
		}
		if err := h.c.cfg.Contacts.RecordContact(ChannelName, m.ChatID, at); err != nil {
			h.c.log.Error("record last contact", "message_id", m.ID, "err", err)
			http.Error(w, "could not store the events; retry", http.StatusInternalServerError)
			return
		}
		if _, err := h.sub.Submit(m); err != nil {
			h.c.log.Error("store incoming message", "message_id", m.ID, "err", err)
			http.Error(w, "could not store the events; retry", http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "EVENT_RECEIVED")
}

// reject answers a refused request and counts it.
func (h *webhook) reject(w http.ResponseWriter, status int, reason, text string) {
	h.c.cfg.Metrics.Inc("phuan_webhook_rejected_total", "channel", ChannelName, "reason", reason)
	h.c.log.Warn("webhook request refused", "reason", reason, "status", status)
	http.Error(w, text, status)
}

// validSignature checks header ("sha256=<hex>") against the HMAC-SHA256 of
// body under secret, in constant time.
func validSignature(header string, body []byte, secret string) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Wire format of webhook bodies: only the fields Phuan reads.
type (
	wireBody struct {
		Object string      `json:"object"`
		Entry  []wireEntry `json:"entry"`
	}
	wireEntry struct {
		ID        string            `json:"id"`
		Messaging []json.RawMessage `json:"messaging"`
		Standby   []json.RawMessage `json:"standby"`
	}
	wireEvent struct {
		Sender         *wireParty      `json:"sender"`
		Timestamp      int64           `json:"timestamp"`
		Message        *wireMessage    `json:"message"`
		Postback       *wirePostback   `json:"postback"`
		Referral       *wireReferral   `json:"referral"`
		Delivery       json.RawMessage `json:"delivery"`
		Read           json.RawMessage `json:"read"`
		Optin          json.RawMessage `json:"optin"`
		AccountLinking json.RawMessage `json:"account_linking"`
		Reaction       json.RawMessage `json:"reaction"`
	}
	wireParty struct {
		ID string `json:"id"`
	}
	wireMessage struct {
		MID         string           `json:"mid"`
		Text        string           `json:"text"`
		IsEcho      bool             `json:"is_echo"`
		QuickReply  *wireQuickReply  `json:"quick_reply"`
		Attachments []wireAttachment `json:"attachments"`
	}
	wireQuickReply struct {
		Payload string `json:"payload"`
	}
	wireAttachment struct {
		Type    string          `json:"type"`
		URL     string          `json:"url"` // "fallback" attachments
		Payload json.RawMessage `json:"payload"`
	}
	wirePostback struct {
		MID      string        `json:"mid"`
		Payload  string        `json:"payload"`
		Referral *wireReferral `json:"referral"`
	}
	wireReferral struct {
		Ref    string `json:"ref"`
		Source string `json:"source"`
	}
)

// Kinds of events that are received and deliberately not handled, as
// counted in phuan_updates_ignored_total.
const (
	ignoredEcho           = "echo"
	ignoredDelivery       = "delivery"
	ignoredRead           = "read"
	ignoredStandby        = "standby"
	ignoredOptin          = "optin"
	ignoredAccountLinking = "account_linking"
	ignoredReaction       = "reaction"
	ignoredReferral       = "referral" // without a usable ref
	ignoredEmpty          = "empty"    // a message or postback carrying nothing
	ignoredInvalid        = "invalid"  // an event that could not be read or has no sender
	ignoredUnknown        = "unknown"
)

// parseBody reads a verified webhook body into the messages it carries, in
// order, and counts what it ignores by kind. A body that is not JSON or not
// a Page subscription's is an error; an unreadable single event is ignored
// so it cannot block the others.
func parseBody(body []byte) ([]bot.Message, map[string]int, error) {
	var wb wireBody
	if err := json.Unmarshal(body, &wb); err != nil {
		return nil, nil, fmt.Errorf("decode webhook body: %w", err)
	}
	if wb.Object != "page" {
		return nil, nil, fmt.Errorf("decode webhook body: object %q is not \"page\"", truncate(wb.Object, 32))
	}
	var msgs []bot.Message
	ignored := map[string]int{}
	for _, e := range wb.Entry {
		ignored[ignoredStandby] += len(e.Standby)
		for _, raw := range e.Messaging {
			var ev wireEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				ignored[ignoredInvalid]++
				continue
			}
			m, kind := convert(ev)
			if kind != "" {
				ignored[kind]++
				continue
			}
			msgs = append(msgs, m)
		}
	}
	for k, n := range ignored {
		if n == 0 {
			delete(ignored, k)
		}
	}
	return msgs, ignored, nil
}

// convert turns one messaging event into a Message, or names the kind of
// event it ignores.
func convert(ev wireEvent) (bot.Message, string) {
	switch {
	case ev.Message != nil && ev.Message.IsEcho:
		return bot.Message{}, ignoredEcho
	case ev.Message == nil && ev.Postback == nil && ev.Referral == nil:
		switch {
		case ev.Delivery != nil:
			return bot.Message{}, ignoredDelivery
		case ev.Read != nil:
			return bot.Message{}, ignoredRead
		case ev.Optin != nil:
			return bot.Message{}, ignoredOptin
		case ev.AccountLinking != nil:
			return bot.Message{}, ignoredAccountLinking
		case ev.Reaction != nil:
			return bot.Message{}, ignoredReaction
		}
		return bot.Message{}, ignoredUnknown
	}
	if ev.Sender == nil || !validPSID(ev.Sender.ID) {
		return bot.Message{}, ignoredInvalid
	}
	psid := ev.Sender.ID
	m := bot.Message{Channel: ChannelName, ChatID: psid, ChatType: bot.ChatPrivate, UserID: psid}
	if ev.Timestamp > 0 {
		m.Time = time.UnixMilli(ev.Timestamp).UTC()
	}
	switch {
	case ev.Message != nil:
		in := ev.Message
		m.ID = in.MID
		m.Text = in.Text
		if in.QuickReply != nil {
			m.Payload = in.QuickReply.Payload
		}
		for _, a := range in.Attachments {
			m.Media = append(m.Media, media(a))
		}
		if m.Text == "" && m.Payload == "" && len(m.Media) == 0 {
			return bot.Message{}, ignoredEmpty
		}
		if m.ID == "" {
			m.ID = syntheticID("message", psid, ev.Timestamp, m.Text+"\x00"+m.Payload)
		}
	case ev.Postback != nil:
		pb := ev.Postback
		switch {
		case pb.Payload == "":
			return bot.Message{}, ignoredEmpty
		case pb.Payload == GetStartedPayload:
			m.Text = "/start"
			if pb.Referral != nil {
				if ref := cleanRef(pb.Referral.Ref); ref != "" {
					m.Text += " " + ref
				}
			}
		default:
			m.Payload = pb.Payload
		}
		m.ID = pb.MID
		if m.ID == "" {
			m.ID = syntheticID("postback", psid, ev.Timestamp, pb.Payload)
		}
	default:
		ref := cleanRef(ev.Referral.Ref)
		if ref == "" {
			return bot.Message{}, ignoredReferral
		}
		m.Text = "/start " + ref
		m.ID = syntheticID("referral", psid, ev.Timestamp, ref)
	}
	return m, ""
}

// media keeps an attachment as a reference: its URL, never its bytes.
func media(a wireAttachment) bot.Media {
	kind := bot.MediaOther
	switch a.Type {
	case "image":
		kind = bot.MediaPhoto
	case "audio":
		kind = bot.MediaVoice
	case "file":
		kind = bot.MediaDocument
	case "video":
		kind = bot.MediaVideo
	}
	ref := a.URL
	var p struct {
		URL string `json:"url"`
	}
	if len(a.Payload) > 0 && json.Unmarshal(a.Payload, &p) == nil && p.URL != "" {
		ref = p.URL
	}
	return bot.Media{Kind: kind, Ref: ref}
}

// syntheticID names an event that carries no mid, the same way each time
// Meta re-delivers it, so the engine can drop the repeats.
func syntheticID(kind, psid string, ts int64, value string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + psid + "\x00" + strconv.FormatInt(ts, 10) + "\x00" + value))
	return kind + "-" + hex.EncodeToString(sum[:16])
}

// validPSID accepts a page-scoped id: a short string without spaces or
// control characters (Meta sends digits).
func validPSID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// cleanRef returns ref if it is a usable m.me ref (at most 250 of the
// characters Meta allows: A-Z a-z 0-9 + / = - . : _), else "".
func cleanRef(ref string) string {
	if ref == "" || len(ref) > maxRefLen {
		return ""
	}
	for _, r := range ref {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+/=-.:_", r)) {
			return ""
		}
	}
	return ref
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
