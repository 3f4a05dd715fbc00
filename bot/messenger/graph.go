package messenger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"phuan/bot"
)

// ThrottleBackoff is how long to wait after Meta says the Page or app sends
// too fast (codes 4, 17, 32, 613, 80006 or HTTP 429) when the answer names
// no wait: Meta's rate windows are rolling and it publishes no retry time;
// 30 s lets a burst drain without holding a conversation up for long, and the
// sender keeps the message and its order meanwhile.
const ThrottleBackoff = 30 * time.Second

// maxResponseBytes bounds what is read of a Graph API answer.
const maxResponseBytes = 64 << 10

// graphError is the error object of a Graph API answer.
type graphError struct {
	Message      string `json:"message"`
	Type         string `json:"type"`
	Code         int    `json:"code"`
	Subcode      int    `json:"error_subcode"`
	IsTransient  bool   `json:"is_transient"`
	FBTraceID    string `json:"fbtrace_id"`
	status       int
	redactedText string
}

func (e *graphError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph api: http %d", e.status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Subcode != 0 {
		fmt.Fprintf(&b, ", subcode %d", e.Subcode)
	}
	if e.redactedText != "" {
		b.WriteString(": ")
		b.WriteString(e.redactedText)
	}
	if e.FBTraceID != "" {
		b.WriteString(" (fbtrace_id ")
		b.WriteString(e.FBTraceID)
		b.WriteString(")")
	}
	return b.String()
}

// post sends body as JSON to {APIURL}{path} with the page token and returns
// nil on a 2xx answer, or a *bot.SendError saying what to do next. No error
// it returns contains the token.
func (c *Channel) post(ctx context.Context, path string, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("encode request: %w", err)}
	}
	u := c.apiURL + path + "?access_token=" + url.QueryEscape(c.cfg.PageToken)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(raw))
	if err != nil {
		return &bot.SendError{Kind: bot.Permanent, Err: fmt.Errorf("build request: %w", c.redactErr(err))}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return &bot.SendError{Kind: bot.Transient, Err: c.redactErr(err)}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	if err != nil {
		return &bot.SendError{Kind: bot.Transient, Err: fmt.Errorf("read graph api answer (http %d): %w", resp.StatusCode, c.redactErr(err))}
	}
	return c.classify(resp.StatusCode, resp.Header, answer)
}

// classify turns a failed Graph API answer into a *bot.SendError. It is
// the one place where Messenger's error codes are understood:
//   - 551, or subcode 1545041: the person is unavailable → Unreachable;
//   - 4, 17, 32, 613, 80006 or HTTP 429: rate limits → Throttled;
//   - 10 with subcode 2018065 or 2018278: outside the messaging window → Held;
//   - is_transient, codes 1 and 2, 5xx: Meta's trouble → Transient;
//   - 190 (token invalid or expired) → Transient, so messages wait while an
//     operator replaces MESSENGER_PAGE_TOKEN;
//   - any other 4xx → Permanent.
func (c *Channel) classify(status int, header http.Header, body []byte) *bot.SendError {
	var env struct {
		Error *graphError `json:"error"`
	}
	ge := &graphError{}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		ge = env.Error
	}
	ge.status = status
	ge.redactedText = c.redact(ge.Message)
	if ge.Message == "" && ge.Code == 0 {
		ge.redactedText = c.redact(snippet(body))
	}
	se := &bot.SendError{Err: ge}
	switch {
	case ge.Code == 551 || ge.Subcode == 1545041:
		se.Kind = bot.Unreachable
	case ge.Code == 4 || ge.Code == 17 || ge.Code == 32 || ge.Code == 613 || ge.Code == 80006 ||
		status == http.StatusTooManyRequests:
		se.Kind = bot.Throttled
		se.RetryAfter = retryAfter(header)
	case ge.Code == 10 && (ge.Subcode == 2018065 || ge.Subcode == 2018278):
		se.Kind = bot.Held
	case ge.IsTransient || ge.Code == 1 || ge.Code == 2 || status >= 500:
		se.Kind = bot.Transient
	case ge.Code == 190:
		se.Kind = bot.Transient
		c.log.Error("the Graph API rejected the page token; set a valid MESSENGER_PAGE_TOKEN",
			"code", ge.Code, "subcode", ge.Subcode)
	default:
		se.Kind = bot.Permanent
	}
	return se
}

// retryAfter reads a Retry-After header in seconds, or ThrottleBackoff.
func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s > 0 && s <= 3600 {
		return time.Duration(s) * time.Second
	}
	return ThrottleBackoff
}

// snippet is the start of a non-JSON answer, for the error text.
func snippet(b []byte) string {
	const n = 200
	s := strings.ToValidUTF8(string(b), "?")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return strings.TrimSpace(s)
}

// redact removes the page token from s.
func (c *Channel) redact(s string) string {
	if c.cfg.PageToken == "" {
		return s
	}
	s = strings.ReplaceAll(s, c.cfg.PageToken, "[redacted]")
	return strings.ReplaceAll(s, url.QueryEscape(c.cfg.PageToken), "[redacted]")
}

// redactErr returns err without the page token in its text. A *url.Error
// keeps its type and cause with the query dropped from its URL; any other
// error whose text holds the token is replaced by its redacted text.
func (c *Channel) redactErr(err error) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		clean := *ue
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			clean.URL = u.String()
		} else {
			clean.URL = "[redacted]"
		}
		if c.redact(clean.Error()) == clean.Error() {
			return &clean
		}
		return errors.New(c.redact(clean.Error()))
	}
	if text := err.Error(); c.redact(text) != text {
		return errors.New(c.redact(text))
	}
	return err
}
