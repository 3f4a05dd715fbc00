package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"phuan/bot"
)

// MaxWebhookBody bounds a webhook request body.
const MaxWebhookBody = 1 << 20

// Poll receives updates by long polling until ctx ends, then returns nil.
// An update is confirmed (a later getUpdates asks past it) only after
// sub.Submit stored it, so a crash never loses one; what was stored but not
// confirmed comes again and the engine drops it as a duplicate.
func (c *Channel) Poll(ctx context.Context, sub Submitter) error {
	log := c.log.With("mode", "polling")
	if err := c.DeleteWebhook(ctx); err != nil && ctx.Err() == nil {
		log.Warn("could not remove the webhook before polling", "err", err)
	}
	log.Info("polling for updates")
	var offset int64
	fetchFails, storeFails := 0, 0
	for ctx.Err() == nil {
		raws, err := c.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			fetchFails++
			wait := c.backoff(fetchFails)
			var ae *apiError
			errors.As(err, &ae)
			switch {
			case ae != nil && ae.Code == http.StatusConflict:
				log.Error("getUpdates conflict: another process is polling with this bot token, or a webhook is set",
					"retry_in", wait.String(), "err", err)
				if strings.Contains(strings.ToLower(ae.Description), "webhook") {
					if err := c.DeleteWebhook(ctx); err != nil && ctx.Err() == nil {
						log.Warn("could not remove the webhook", "err", err)
					}
				}
			case ae != nil && ae.Code == http.StatusTooManyRequests:
				wait = max(wait, time.Duration(ae.RetryAfter)*time.Second)
				log.Warn("getUpdates throttled", "retry_in", wait.String())
			default:
				log.Warn("fetch updates failed", "attempt", fetchFails, "retry_in", wait.String(), "err", err)
			}
			sleep(ctx, wait)
			continue
		}
		fetchFails = 0
		next, err := c.processBatch(raws, sub)
		offset = max(offset, next)
		if err != nil {
			storeFails++
			wait := c.backoff(storeFails)
			log.Error("could not store updates; they will be fetched again", "attempt", storeFails,
				"retry_in", wait.String(), "err", err)
			sleep(ctx, wait)
			continue
		}
		storeFails = 0
	}
	log.Info("polling stopped")
	return nil
}

// getUpdates fetches the updates from offset on, waiting up to PollTimeout.
func (c *Channel) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	timeout := c.cfg.PollTimeout
	ctx, cancel := context.WithTimeout(ctx, timeout+15*time.Second)
	defer cancel()
	p := tgbotapi.Params{"limit": "100", "timeout": strconv.Itoa(int(timeout.Seconds())),
		"allowed_updates": allowedUpdatesJSON()}
	p.AddNonZero64("offset", offset)
	raw, err := c.call(ctx, "getUpdates", p)
	if err != nil {
		return nil, err
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("decode getUpdates answer: %w", err)
	}
	return list, nil
}

// backoff is the wait after n failures in a row: exponential from
// retryBase up to retryMax, with jitter.
func (c *Channel) backoff(n int) time.Duration {
	d := c.retryBase << min(n-1, 16)
	if d <= 0 || d > c.retryMax {
		d = c.retryMax
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// processBatch submits one getUpdates answer and returns the offset that
// confirms what is safely stored: one past the last update of the longest
// run, from the start, of updates submitted or ignored. Conversations are
// prepared in parallel (a group's admin check may wait on Telegram), each
// in order and stopping at its first failure; then what is ready is stored
// in one write when sub can (SubmitAll), else one by one.
func (c *Channel) processBatch(raws []json.RawMessage, sub Submitter) (int64, error) {
	slots := make([]slot, len(raws))
	groups := map[string][]int{}
	var order []string
	for i, raw := range raws {
		u, err := decode(raw)
		if err != nil {
			// Not an update we can read: confirm it anyway, or polling
			// would stop here forever.
			var head struct {
				UpdateID int64 `json:"update_id"`
			}
			json.Unmarshal(raw, &head)
			slots[i] = slot{in: inbound{updateID: head.UpdateID, ignored: "malformed"}}
			c.ignore(slots[i].in)
			slots[i].done = true
			continue
		}
		slots[i].in = c.convert(u, raw)
		if slots[i].in.msg == nil {
			c.ignore(slots[i].in)
			c.recordIncoming(slots[i].in)
			c.answerCallback(slots[i].in.callback)
			slots[i].done = true
			continue
		}
		k := slots[i].in.key()
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}

	var wg sync.WaitGroup
	for _, k := range order {
		wg.Add(1)
		go func(idx []int) {
			defer wg.Done()
			for _, i := range idx {
				if err := c.prepare(&slots[i].in); err != nil {
					slots[i].err = err
					return
				}
				slots[i].ready = true
			}
		}(groups[k])
	}
	wg.Wait()
	c.submitReady(slots, sub)

	var next int64
	var firstErr error
	prefix := true
	for _, s := range slots {
		if s.err != nil && firstErr == nil {
			firstErr = s.err
		}
		if prefix = prefix && s.done; prefix {
			next = max(next, s.in.updateID+1)
		}
	}
	return next, firstErr
}

// slot is one update of a getUpdates answer on its way to the store.
type slot struct {
	in    inbound
	ready bool // prepared, to be submitted
	done  bool // submitted or ignored: may be confirmed
	err   error
}

// batchSubmitter stores several messages in one write. *bot.Engine is one.
type batchSubmitter interface {
	SubmitAll(ms []bot.Message) (duplicates []bool, err error)
}

// submitReady submits the prepared slots, in their order.
func (c *Channel) submitReady(slots []slot, sub Submitter) {
	var ready []int
	for i := range slots {
		if slots[i].ready {
			ready = append(ready, i)
		}
	}
	if bs, ok := sub.(batchSubmitter); ok {
		if len(ready) == 0 {
			return
		}
		ms := make([]bot.Message, len(ready))
		for j, i := range ready {
			ms[j] = *slots[i].in.msg
		}
		dups, err := bs.SubmitAll(ms)
		for j, i := range ready {
			if err != nil {
				slots[i].err = fmt.Errorf("submit update %d: %w", slots[i].in.updateID, err)
				continue
			}
			slots[i].done = true
			c.submitted(slots[i].in, dups[j])
		}
		return
	}
	failed := map[string]bool{} // a conversation stops at its first failure
	for _, i := range ready {
		k := slots[i].in.key()
		if failed[k] {
			continue
		}
		dup, err := sub.Submit(*slots[i].in.msg)
		if err != nil {
			slots[i].err = fmt.Errorf("submit update %d: %w", slots[i].in.updateID, err)
			failed[k] = true
			continue
		}
		slots[i].done = true
		c.submitted(slots[i].in, dup)
	}
}

// prepare readies a mapped update for submitting: a private message's id
// is recorded first (so a ClearRecent reply to it finds it), a button's
// long payload is resolved, a group member's admin status is looked up.
func (c *Channel) prepare(in *inbound) error {
	c.recordIncoming(*in)
	if err := c.resolvePayload(in); err != nil {
		return fmt.Errorf("resolve button payload of update %d: %w", in.updateID, err)
	}
	c.markGroupAdmin(in.msg)
	return nil
}

// submit prepares and submits one mapped update, as a webhook request
// brings it.
func (c *Channel) submit(in *inbound, sub Submitter) error {
	if err := c.prepare(in); err != nil {
		return err
	}
	dup, err := sub.Submit(*in.msg)
	if err != nil {
		return fmt.Errorf("submit update %d: %w", in.updateID, err)
	}
	c.submitted(*in, dup)
	return nil
}

// submitted follows a stored update: its callback query is answered.
func (c *Channel) submitted(in inbound, dup bool) {
	if dup {
		c.metrics.Inc("phuan_telegram_updates_redelivered_total")
	}
	c.answerCallback(in.callback)
}

func (c *Channel) ignore(in inbound) {
	c.metrics.Inc("phuan_updates_ignored_total", "channel", Name, "kind", in.ignored)
	c.log.Debug("update ignored", "update_id", in.updateID, "kind", in.ignored)
}

// answeredCap bounds the memory of answered callback queries.
const answeredCap = 4096

// callbackTimeout bounds one answerCallbackQuery, its wait for a turn
// included: Telegram refuses answers to older queries.
const callbackTimeout = 15 * time.Second

// maxAnswering bounds the callback answers sent at once: a broadcast's
// buttons pressed by thousands within a second must not open thousands
// of connections to Telegram.
const maxAnswering = 16

// answerCallback answers a callback query in the background (so the
// spinner on the person's button stops), at most once per process.
func (c *Channel) answerCallback(id string) {
	if id == "" {
		return
	}
	c.mu.Lock()
	if c.closed || c.answered[id] {
		c.mu.Unlock()
		return
	}
	c.answered[id] = true
	c.answerQ = append(c.answerQ, id)
	if len(c.answerQ) > answeredCap {
		delete(c.answered, c.answerQ[0])
		c.answerQ = c.answerQ[1:]
	}
	c.wg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), callbackTimeout)
		defer cancel()
		select {
		case c.answering <- struct{}{}:
			defer func() { <-c.answering }()
		case <-ctx.Done():
			c.metrics.Inc("phuan_telegram_callback_answers_total", "result", "error")
			c.log.Warn("answer callback query: no turn within the time Telegram accepts it")
			return
		}
		if _, err := c.call(ctx, "answerCallbackQuery", tgbotapi.Params{"callback_query_id": id}); err != nil {
			c.metrics.Inc("phuan_telegram_callback_answers_total", "result", "error")
			c.log.Warn("answer callback query", "err", err)
			return
		}
		c.metrics.Inc("phuan_telegram_callback_answers_total", "result", "ok")
	}()
}

// WebhookHandler receives updates Telegram posts to the webhook URL. It
// answers 200 only once the update is stored (or deliberately ignored), and
// 503 when storing failed, so Telegram sends it again.
func (c *Channel) WebhookHandler(sub Submitter) http.Handler {
	want := sha256.Sum256([]byte(c.cfg.WebhookSecret))
	log := c.log.With("mode", "webhook")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := sha256.Sum256([]byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token")))
		if c.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			c.metrics.Inc("phuan_webhook_rejected_total", "channel", Name, "reason", "secret")
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				c.metrics.Inc("phuan_webhook_rejected_total", "channel", Name, "reason", "size")
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "could not read the request body", http.StatusBadRequest)
			return
		}
		u, err := decode(body)
		if err != nil {
			c.metrics.Inc("phuan_webhook_rejected_total", "channel", Name, "reason", "malformed")
			http.Error(w, "malformed update", http.StatusBadRequest)
			return
		}
		in := c.convert(u, body)
		if in.msg == nil {
			c.ignore(in)
			c.recordIncoming(in)
			c.answerCallback(in.callback)
			w.WriteHeader(http.StatusOK)
			return
		}
		if err := c.submit(&in, sub); err != nil {
			log.Error("could not store update; Telegram will send it again", "update_id", in.updateID, "err", err)
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
