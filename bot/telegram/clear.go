package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"phuan/bot"
	"phuan/store"
)

// clearWindow is how far back a ClearRecent reply deletes: Telegram lets a
// bot delete a message only while it is younger than 48 hours.
const clearWindow = 48 * time.Hour

// maxDeleteIDs is how many ids one deleteMessages call takes.
const maxDeleteIDs = 100

// bulkDeleteRetry is how long after deleteMessages was found missing the
// channel deletes one message per call before trying it again.
const bulkDeleteRetry = time.Hour

// clearRecent deletes the messages of the last 48 hours in the private chat
// of d (the bot's and, as Telegram allows in private chats, the person's)
// and forgets their ids. Messages Telegram will not delete any more are
// skipped. Groups keep their history: ClearRecent is for a person's phone.
func (c *Channel) clearRecent(ctx context.Context, d bot.Delivery) error {
	if d.Group || !privateChatID(d.ChatID) {
		c.metrics.Inc("phuan_telegram_clears_total", "result", "not_private")
		return nil
	}
	if c.cfg.MessageLog == nil {
		c.metrics.Inc("phuan_telegram_clears_total", "result", "no_message_log")
		c.log.Warn("a reply asks to clear the chat, but no message log is configured", "seq", d.Seq)
		return nil
	}
	c.waitRecords(d.ChatID)
	ids, err := c.cfg.MessageLog.RecentMessageIDs(Name, d.ChatID, c.clock.Now().Add(-clearWindow))
	if err != nil {
		return &bot.SendError{Kind: bot.Transient, Err: fmt.Errorf("telegram clear recent messages: %w", err)}
	}
	for start := 0; start < len(ids); start += maxDeleteIDs {
		batch := ids[start:min(start+maxDeleteIDs, len(ids))]
		if err := c.deleteMessages(ctx, d.ChatID, batch); err != nil {
			c.metrics.Inc("phuan_telegram_clears_total", "result", "error")
			se := classify(err)
			se.Err = fmt.Errorf("telegram clear recent messages: %w", se.Err)
			return se
		}
		// What failed to be forgotten is deleted again by the next
		// clear, which Telegram answers "not found": harmless.
		if err := c.cfg.MessageLog.ForgetMessageIDs(Name, d.ChatID, batch); err != nil {
			c.log.Warn("could not forget the ids of deleted messages", "seq", d.Seq, "count", len(batch), "err", err)
		}
	}
	c.metrics.Inc("phuan_telegram_clears_total", "result", "ok")
	c.metrics.Add("phuan_telegram_messages_cleared_total", int64(len(ids)))
	c.log.Debug("chat cleared", "seq", d.Seq, "count", len(ids))
	return nil
}

// deleteMessages deletes ids (at most 100) from a chat with deleteMessages
// (Bot API 7.0), or one by one with deleteMessage where that is missing or
// where a batch holds a message Telegram will not delete. Messages already
// gone or too old are skipped. Errors are the calls' *apiError.
func (c *Channel) deleteMessages(ctx context.Context, chatID string, ids []int64) error {
	if c.bulkDelete() {
		p := tgbotapi.Params{"chat_id": chatID}
		if err := p.AddInterface("message_ids", ids); err != nil {
			return fmt.Errorf("encode message ids: %w", err)
		}
		_, err := c.call(ctx, "deleteMessages", p)
		switch {
		case err == nil:
			return nil
		case methodMissing(err):
			c.bulkDeleteOff.Store(c.clock.Now().UnixNano())
			c.log.Info("the Bot API server has no deleteMessages (before Bot API 7.0); deleting messages one by one")
		case undeletable(err) && len(ids) == 1:
			return nil
		case undeletable(err):
			// Some message of the batch cannot go: delete the others.
		default:
			return err
		}
	}
	for _, id := range ids {
		p := tgbotapi.Params{"chat_id": chatID, "message_id": strconv.FormatInt(id, 10)}
		if _, err := c.call(ctx, "deleteMessage", p); err != nil && !undeletable(err) {
			return err
		}
	}
	return nil
}

// bulkDelete reports whether to try deleteMessages.
func (c *Channel) bulkDelete() bool {
	off := c.bulkDeleteOff.Load()
	return off == 0 || c.clock.Now().Sub(time.Unix(0, off)) >= bulkDeleteRetry
}

// methodMissing reports an answer saying the Bot API has no such method.
func methodMissing(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Code == http.StatusNotFound
}

// undeletable reports Telegram refusing to delete a message that is gone
// already or that a bot may not delete (older than 48 hours, say).
func undeletable(err error) bool {
	var ae *apiError
	if !errors.As(err, &ae) || ae.Code != http.StatusBadRequest {
		return false
	}
	desc := strings.ToLower(ae.Description)
	return strings.Contains(desc, "message can't be deleted") || strings.Contains(desc, "message to delete not found")
}

// privateChatID reports whether id is a user's private chat (groups and
// channels have negative ids).
func privateChatID(id string) bool {
	n, err := strconv.ParseInt(id, 10, 64)
	return err == nil && n > 0
}

// privateMessageID is the id of a message the bot sent, from a send
// method's result, when it went to a private chat and ids are recorded.
func (c *Channel) privateMessageID(d bot.Delivery, result json.RawMessage) int64 {
	if c.cfg.MessageLog == nil || d.Group || !privateChatID(d.ChatID) {
		return 0
	}
	return max(sentMessageID(result), 0)
}

// sentMessageID reads message_id from a send method's result, a Message.
// It stops at that field, which Telegram puts first, where decoding the
// Message would scan the whole text it echoes back. 0 when there is none.
func sentMessageID(result []byte) int64 {
	dec := json.NewDecoder(bytes.NewReader(result))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0
		}
		if key == "message_id" {
			var id int64
			if dec.Decode(&id) != nil {
				return 0
			}
			return id
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return 0
		}
	}
	return 0
}

// recordIncoming records the id of a person's message in a private chat,
// mapped or ignored alike (a shared location is on the phone too).
func (c *Channel) recordIncoming(in inbound) {
	if in.private == 0 {
		return
	}
	at := in.privateAt
	if at.IsZero() {
		at = c.clock.Now()
	}
	c.recordMessageIDs(in.privateChat, []int64{in.private}, at)
}

// recordPace is the least time between two writes of message-id records
// under load. Records of many chats then share one write, and the pages it
// rewrites, instead of costing every commit a page per chat: in the inbound
// bench they were 40% of the pages written. The price is that a crash loses
// the records of at most this long, whose messages a later clear misses.
const recordPace = 50 * time.Millisecond

// recordMessageIDs records message ids of a private chat for a later
// ClearRecent, in the background: neither polling nor sending waits for
// the store. One recorder goroutine stores every record waiting in one
// write, at once when it was idle, else recordPace after its last write.
// A ClearRecent first has its chat's records stored (waitRecords). A
// failure is logged and counted, never fatal: it costs only the deletion
// of those messages.
func (c *Channel) recordMessageIDs(chatID string, ids []int64, at time.Time) {
	if c.cfg.MessageLog == nil || len(ids) == 0 {
		return
	}
	rec := store.MessageIDs{ChatID: chatID, IDs: ids, At: at}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.storeMessageIDs([]store.MessageIDs{rec})
		return
	}
	c.pendingIDs = append(c.pendingIDs, rec)
	c.recording[chatID]++
	if !c.recorderOn {
		c.recorderOn = true
		c.wg.Add(1)
		go c.recordPending()
	}
	c.mu.Unlock()
}

// recordPending stores the waiting records until none is left, pacing its
// writes unless someone waits for them (recordNow) or the channel closes.
func (c *Channel) recordPending() {
	defer c.wg.Done()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.pendingIDs) > 0 {
		recs := c.pendingIDs
		c.pendingIDs = nil
		c.mu.Unlock()
		c.storeMessageIDs(recs)
		next := time.NewTimer(recordPace)
		c.mu.Lock()
		for _, r := range recs {
			if c.recording[r.ChatID]--; c.recording[r.ChatID] <= 0 {
				delete(c.recording, r.ChatID)
			}
		}
		c.recorded.Broadcast()
		if len(c.pendingIDs) > 0 && !c.closed {
			c.mu.Unlock()
			select {
			case <-next.C:
			case <-c.recordNow:
			}
			c.mu.Lock()
		}
		next.Stop()
	}
	c.recorderOn = false
}

// waitRecords has the message ids of chatID being recorded stored now, and
// waits for them.
func (c *Channel) waitRecords(chatID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.recording[chatID] > 0 {
		c.hurryRecords()
		c.recorded.Wait()
	}
}

// hurryRecords ends the recorder's pause, if it is in one.
func (c *Channel) hurryRecords() {
	select {
	case c.recordNow <- struct{}{}:
	default:
	}
}

func (c *Channel) storeMessageIDs(recs []store.MessageIDs) {
	if err := c.cfg.MessageLog.RecordMessageIDs(Name, recs...); err != nil {
		c.metrics.Add("phuan_telegram_message_ids_unrecorded_total", int64(len(recs)))
		c.log.Warn("could not record message ids; a later clear will miss them", "records", len(recs), "err", err)
	}
}
