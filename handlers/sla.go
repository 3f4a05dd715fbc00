package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"phuan/bot"
	"phuan/store"
)

// CheckSLA is the escalation clock, for the scheduler to call every
// minute: an urgent case nobody claimed within UrgentClaimDeadline is
// announced again in the moderators' room (then every UrgentRepeat while
// still unclaimed), and a case whose person has waited AnswerDeadline for
// a helper's answer gets a reminder. What was announced is recorded in
// the case before the messages are returned, so calling it again at once
// (or from two processes) announces nothing twice. It depends only on the
// store and now.
func (c *Cases) CheckSLA(ctx context.Context, now time.Time) ([]bot.Envelope, error) {
	open, err := c.store.Cases(store.CaseFilter{Status: store.CaseOpen})
	if err != nil {
		return nil, fmt.Errorf("check case deadlines: %w", err)
	}
	var out []bot.Envelope
	for _, cs := range open {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if urgentDue(cs, now) {
			updated, ok, err := c.markDue(cs.ID, now, urgentDue, func(x *store.Case) {
				x.AnnouncedAt = now
				x.Log(now, store.ActorSystem, "alerted", "")
			})
			if err != nil {
				return out, err
			}
			if ok {
				c.log.Warn("urgent case not claimed", "case_id", updated.ID)
				mins := strconv.Itoa(int(now.Sub(urgentSince(updated)) / time.Minute))
				out = c.appendRoom(out, "", c.alertReply(updated,
					c.rt("case_room_alert_urgent", "id", updated.ID, "alias", c.alias(updated), "minutes", mins)))
			}
		}
		if waitingDue(cs, now) {
			updated, ok, err := c.markDue(cs.ID, now, waitingDue, func(x *store.Case) {
				x.RemindedAt = now
				x.Log(now, store.ActorSystem, "reminded", "")
			})
			if err != nil {
				return out, err
			}
			if ok {
				c.log.Info("case waiting for an answer", "case_id", updated.ID)
				since, _ := updated.Waiting()
				text := c.rt("case_room_alert_waiting", "id", updated.ID, "alias", c.alias(updated),
					"duration", c.duration(now.Sub(since)), "status", c.status(updated))
				out = c.appendRoom(out, "", c.alertReply(updated, text))
				if updated.ThreadID != "" {
					out = c.appendRoom(out, updated.ThreadID, bot.Reply{Text: text})
				}
			}
		}
	}
	return out, nil
}

// urgentSince is when the case became urgent.
func urgentSince(cs *store.Case) time.Time {
	if !cs.UrgentAt.IsZero() {
		return cs.UrgentAt
	}
	return cs.OpenedAt
}

// urgentDue: urgent, open, unclaimed, and not announced within the deadline.
func urgentDue(cs *store.Case, now time.Time) bool {
	if cs.Status != store.CaseOpen || !cs.Urgent || cs.ClaimedBy != "" {
		return false
	}
	since := urgentSince(cs)
	if cs.AnnouncedAt.Before(since) {
		return now.Sub(since) >= UrgentClaimDeadline
	}
	return now.Sub(cs.AnnouncedAt) >= UrgentRepeat
}

// waitingDue: the person has waited AnswerDeadline and was not reminded about since.
func waitingDue(cs *store.Case, now time.Time) bool {
	since, ok := cs.Waiting()
	return ok && now.Sub(since) >= AnswerDeadline && cs.RemindedAt.Before(since)
}

// markDue applies mark when due still holds inside the write, and reports whether it did.
func (c *Cases) markDue(id string, now time.Time, due func(*store.Case, time.Time) bool, mark func(*store.Case)) (*store.Case, bool, error) {
	errNotDue := errors.New("not due")
	updated, err := c.store.UpdateCase(id, func(x *store.Case) error {
		if !due(x, now) {
			return errNotDue
		}
		mark(x)
		return nil
	})
	switch {
	case errors.Is(err, errNotDue), store.IsNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("check case deadlines: %w", err)
	}
	return updated, true, nil
}

func (c *Cases) appendRoom(out []bot.Envelope, thread string, r bot.Reply) []bot.Envelope {
	if e, ok := c.mods.RoomEnvelope(thread, r); ok {
		out = append(out, e)
	}
	return out
}

// HeldNotice tells the room that a helper's message to the person of a
// case is held by the platform (Messenger's 24-hour window) until the person
// writes again; nil for any other message.
func (c *Cases) HeldNotice(d bot.Delivery) []bot.Envelope {
	id, ok := strings.CutPrefix(d.Ref, caseRefPrefix)
	if !ok || d.Purpose != bot.PurposeModerator {
		return nil
	}
	threadID := ""
	if cs, err := c.store.Case(id); err == nil {
		threadID = cs.ThreadID
	}
	return c.appendRoom(nil, threadID, bot.Reply{Text: c.rt("case_room_held", "id", id)})
}

// UndeliveredNotice tells the room that a message to the person of a case
// will never arrive (result, the sender's: "unreachable" when they blocked
// the bot or left the platform, "failed" for another refusal), so no
// helper believes it was read; nil for a delivered message or one that is
// not to the person of a case.
func (c *Cases) UndeliveredNotice(item store.OutboxItem, result string) []bot.Envelope {
	id, ok := strings.CutPrefix(item.Ref, caseRefPrefix)
	if !ok || item.Purpose != string(bot.PurposeModerator) || item.Group || result == "sent" {
		return nil
	}
	key := "case_room_undelivered"
	if result == "unreachable" {
		key = "case_room_undelivered_blocked"
	}
	threadID := ""
	if cs, err := c.store.Case(id); err == nil {
		threadID = cs.ThreadID
	}
	return c.appendRoom(nil, threadID, bot.Reply{Text: c.rt(key, "id", id)})
}

// ErasedNotices tells the moderators' room that the cases ids (as
// returned by the store's EraseChatCases) were erased at the person's
// request, so the helpers delete the topics and anything they copied.
func (c *Cases) ErasedNotices(ids []string) []bot.Envelope {
	var out []bot.Envelope
	for _, id := range ids {
		out = c.appendRoom(out, "", bot.Reply{Text: c.rt("case_room_erased", "id", id)})
	}
	return out
}
