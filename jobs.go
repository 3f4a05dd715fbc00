package main

import (
	"context"
	"errors"
	"time"

	"phuan/bot"
	"phuan/scheduler"
	"phuan/store"
)

// addJobs schedules the jobs of cases and privacy beside those of courses.
func (a *app) addJobs() error {
	for _, j := range []struct {
		name, spec string
		job        scheduler.Job
	}{
		{"case_sla", "* * * * *", scheduler.JobFunc(a.caseSLA)},
		{"retention", "37 2 * * *", scheduler.JobFunc(a.retention)},
	} {
		if err := a.courses.sched.Add(j.name, j.spec, j.job); err != nil {
			return err
		}
	}
	return nil
}

// caseSLA re-announces unclaimed urgent cases and reminds about cases
// waiting a day for an answer.
func (a *app) caseSLA(ctx context.Context, now time.Time) error {
	envs, err := a.cases.CheckSLA(ctx, now)
	if len(envs) > 0 {
		if qerr := a.sender.Enqueue(envs); qerr != nil {
			return errors.Join(err, qerr)
		}
	}
	return err
}

// retention deletes case texts kept past PHUAN_RETENTION_DAYS, long
// payload tokens nobody can press any more and message ids older than
// /clear can reach, then compacts the file so
// what was deleted (by retention or by any earlier delete) cannot be read
// back from it.
func (a *app) retention(_ context.Context, now time.Time) error {
	cutoff := now.AddDate(0, 0, -a.cfg.RetentionDays)
	r, err := a.store.ApplyRetention(cutoff)
	if err != nil {
		return err
	}
	tokens, err := a.store.PrunePayloads(now.AddDate(0, 0, -90))
	if err != nil {
		return err
	}
	// Message ids are kept only so /clear can delete the last 48 hours.
	ids, err := a.store.PruneMessageIDs(now.Add(-48 * time.Hour))
	if err != nil {
		return err
	}
	a.log.Info("retention applied", "component", "main", "case_texts", r.CaseTexts,
		"failed_messages", r.FailedMessages, "payload_tokens", tokens, "message_ids", ids)
	return a.store.Compact()
}

// unreachable marks the person behind a chat as not reachable (they
// blocked the bot or deleted their account).
func (a *app) unreachable(channel, chatID, personID string) {
	p, err := a.store.PersonByIdentity(store.Identity{Channel: channel, PlatformID: chatID})
	if err != nil {
		// A group the bot was removed from gets no more broadcasts; or
		// someone who declined the privacy notice, of whom nothing is kept.
		if removed, err := a.store.RemoveGroupSubscription(channel, chatID); err != nil {
			a.log.Error("remove an unreachable group's subscription", "component", "main", "err", err)
		} else if removed {
			a.log.Info("group unreachable; its subscription removed", "component", "main", "channel", channel)
		}
		return
	}
	if _, err := a.store.UpdatePerson(p.ID, func(p *store.Person) error { p.Unreachable = true; return nil }); err != nil {
		a.log.Error("mark person unreachable", "component", "main", "err", err)
	}
}

// held tells the moderators when a helper's reply waits for the person to
// write again (Messenger's 24-hour window); broadcasts count theirs.
func (a *app) held(_ string, d bot.Delivery) {
	if notice := a.cases.HeldNotice(d); len(notice) > 0 {
		if err := a.sender.Enqueue(notice); err != nil {
			a.log.Error("tell moderators a reply is held", "component", "main", "err", err)
		}
	}
}

// finished tells the moderators when a message to the person of a case
// will never arrive, and the operator when the moderators' room itself
// does not take the bot's messages (removed from it, no longer allowed
// to post, a wrong chat id): then people's cases reach nobody.
func (a *app) finished(item store.OutboxItem, result string) {
	room := a.moderators.Room
	if result != "sent" && item.Channel == room.Channel && item.ChatID == room.ChatID && room.ChatID != "" {
		a.metrics.Inc("phuan_moderator_room_undelivered_total", "result", result)
		a.log.Error("a message to the moderators' room was not delivered: check the bot is still in the room and may post there",
			"component", "main", "result", result)
		return
	}
	if notice := a.cases.UndeliveredNotice(item, result); len(notice) > 0 {
		if err := a.sender.Enqueue(notice); err != nil {
			a.log.Error("tell moderators a message was not delivered", "component", "main", "err", err)
		}
	}
}

// chatMoved follows a group that became a supergroup.
func (a *app) chatMoved(channel, oldID, newID string) {
	if err := a.store.MoveIdentity(store.Identity{Channel: channel, PlatformID: oldID},
		store.Identity{Channel: channel, PlatformID: newID}); err != nil {
		a.log.Error("move chat", "component", "main", "err", err)
	}
	if err := a.store.MoveGroupSubscription(channel, oldID, newID); err != nil {
		a.log.Error("move group subscription", "component", "main", "err", err)
	}
}
