package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"phuan/bot"
	"phuan/store"
)

// ReminderStore is the store the reminders job needs.
type ReminderStore interface {
	DueReminders(now time.Time, limit int) ([]store.Reminder, error)
	ClaimReminders(ids []string, now time.Time) ([]store.Reminder, error)
	SetReminders(ids []string, status store.ReminderStatus, now time.Time) error
	SendingReminders() ([]store.Reminder, error)
	OutboxRefs(prefix string) (map[string]bool, error)
	Person(id string) (*store.Person, error)
	Course(id string) (*store.Course, error)
	Event(id string) (*store.Event, error)
	Enrolment(courseID, personID string) (*store.Enrolment, error)
}

// RemindersConfig configures the reminders job.
type RemindersConfig struct {
	Store   ReminderStore
	Outbox  Outbox
	Texts   Texts
	Logger  *slog.Logger
	Metrics *bot.Metrics
	Batch   int // reminders handled per transaction; default 200
}

// Reminders is the job, run every minute, that sends due reminders.
//
// A reminder is claimed (pending → sending) in one transaction, its message
// is queued in the outbox with the ref "reminder:ID", and it is marked sent.
// A reminder found still "sending" later was interrupted: if its message is
// in the outbox it is marked sent; if not, it is sent again, which can repeat
// it only if the process died in the instant after the outbox took it and
// the platform accepted it — a send in flight. Reminders more than
// store.MaxLate late are marked missed instead of sent; a notice of a change
// (store.IsNotice) is sent however late, unless its course or event is over.
type Reminders struct {
	cfg RemindersConfig
	log *slog.Logger
}

// NewReminders returns the reminders job.
func NewReminders(cfg RemindersConfig) *Reminders {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 200
	}
	return &Reminders{cfg: cfg, log: cfg.Logger.With("component", "scheduler", "job", "reminders")}
}

// ReminderRef is the outbox ref of a reminder's message.
func ReminderRef(id string) string { return "reminder:" + id }

// Run sends every reminder due at now.
func (r *Reminders) Run(ctx context.Context, now time.Time) error {
	if err := r.recover(now); err != nil {
		return err
	}
	for ctx.Err() == nil {
		due, err := r.cfg.Store.DueReminders(now, r.cfg.Batch)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		if err := r.send(due, now); err != nil {
			return err
		}
		if len(due) < r.cfg.Batch {
			return nil
		}
	}
	return ctx.Err()
}

// recover settles reminders left "sending" by an interrupted run.
func (r *Reminders) recover(now time.Time) error {
	stuck, err := r.cfg.Store.SendingReminders()
	if err != nil || len(stuck) == 0 {
		return err
	}
	queued, err := r.cfg.Store.OutboxRefs("reminder:")
	if err != nil {
		return err
	}
	var sent, again []string
	for _, rem := range stuck {
		if _, ok := queued[ReminderRef(rem.ID)+"\x00"+rem.PersonID]; ok {
			sent = append(sent, rem.ID)
		} else {
			again = append(again, rem.ID)
		}
	}
	if err := r.cfg.Store.SetReminders(sent, store.ReminderSent, now); err != nil {
		return err
	}
	if err := r.cfg.Store.SetReminders(again, store.ReminderPending, now); err != nil {
		return err
	}
	r.log.Info("settled interrupted reminders", "in_outbox", len(sent), "sent_again", len(again))
	return nil
}

func (r *Reminders) send(due []store.Reminder, now time.Time) error {
	var missed, dropped, claim []string
	envs := map[string]bot.Envelope{}
	for _, rem := range due {
		if now.Sub(rem.Due) > store.MaxLate && !store.IsNotice(rem.Kind) {
			missed = append(missed, rem.ID)
			continue
		}
		env, ok, err := r.envelope(rem, now)
		if err != nil {
			return fmt.Errorf("prepare reminder %s: %w", rem.ID, err)
		}
		if !ok {
			dropped = append(dropped, rem.ID)
			continue
		}
		envs[rem.ID] = env
		claim = append(claim, rem.ID)
	}
	if err := r.cfg.Store.SetReminders(missed, store.ReminderMissed, now); err != nil {
		return err
	}
	if err := r.cfg.Store.SetReminders(dropped, store.ReminderCancelled, now); err != nil {
		return err
	}
	r.cfg.Metrics.Add("phuan_reminders_total", int64(len(missed)), "result", "missed")
	r.cfg.Metrics.Add("phuan_reminders_total", int64(len(dropped)), "result", "cancelled")
	if len(claim) == 0 {
		return nil
	}
	claimed, err := r.cfg.Store.ClaimReminders(claim, now)
	if err != nil {
		return err
	}
	out := make([]bot.Envelope, 0, len(claimed))
	ids := make([]string, 0, len(claimed))
	for _, rem := range claimed {
		out = append(out, envs[rem.ID])
		ids = append(ids, rem.ID)
	}
	if err := r.cfg.Outbox.Enqueue(out); err != nil {
		if uerr := r.cfg.Store.SetReminders(ids, store.ReminderPending, now); uerr != nil {
			r.log.Error("put reminders back after a failed enqueue", "count", len(ids), "err", uerr)
		}
		return fmt.Errorf("queue reminders: %w", err)
	}
	if err := r.cfg.Store.SetReminders(ids, store.ReminderSent, now); err != nil {
		return err
	}
	r.cfg.Metrics.Add("phuan_reminders_total", int64(len(ids)), "result", "sent")
	if len(missed)+len(ids) > 0 {
		r.log.Info("reminders handled", "sent", len(ids), "missed", len(missed), "cancelled", len(dropped))
	}
	return nil
}

// envelope builds a reminder's message, or reports that it should not be
// sent any more (the person, the course or their place is gone).
func (r *Reminders) envelope(rem store.Reminder, now time.Time) (bot.Envelope, bool, error) {
	p, err := r.cfg.Store.Person(rem.PersonID)
	if store.IsNotFound(err) {
		return bot.Envelope{}, false, nil
	}
	if err != nil {
		return bot.Envelope{}, false, err
	}
	if p.Unreachable || len(p.Identities) == 0 {
		return bot.Envelope{}, false, nil
	}
	lang, loc := langOf(p), store.LocationOf(p)
	t := func(key string, kv ...string) string { return r.cfg.Texts.T(lang, key, kv...) }
	kind, id := rem.SubjectID()
	var reply bot.Reply
	switch kind {
	case "course":
		c, err := r.cfg.Store.Course(id)
		if store.IsNotFound(err) {
			return bot.Envelope{}, false, nil
		}
		if err != nil {
			return bot.Envelope{}, false, err
		}
		if c.Cancelled != (rem.Kind == store.ReminderCourseCancelled) {
			return bot.Envelope{}, false, nil // only the cancellation notice is about a cancelled course
		}
		last := c.End
		if last.IsZero() {
			last = c.Start
		}
		if store.IsNotice(rem.Kind) && store.DateOf(now, loc) > last {
			return bot.Envelope{}, false, nil // the course is over: no news any more
		}
		title := c.Title.In(lang)
		details := []bot.Button{{Label: t("course_details_button"), Payload: "course:" + c.ID}}
		switch rem.Kind {
		case store.ReminderCourseChanged, store.ReminderCourseCancelled:
			e, err := r.cfg.Store.Enrolment(c.ID, p.ID)
			if store.IsNotFound(err) || (err == nil && e.Status != store.Enrolled && e.Status != store.Waiting) {
				return bot.Envelope{}, false, nil
			}
			if err != nil {
				return bot.Envelope{}, false, err
			}
			if rem.Kind == store.ReminderCourseCancelled {
				reply = bot.Reply{Text: t("notice_course_cancelled", "title", title),
					Buttons: [][]bot.Button{{{Label: t("notice_other_courses"), Payload: "courses"}}}}
				break
			}
			when := formatDate(c.Start)
			if !c.End.IsZero() && c.End != c.Start {
				when += " – " + formatDate(c.End)
			}
			reply = bot.Reply{Text: t("notice_course_changed", "title", title, "dates", when,
				"place", orDash(c.Place), "format", t("format_"+string(c.Format))), Buttons: [][]bot.Button{details}}
		case store.ReminderCourseDeadline:
			if e, err := r.cfg.Store.Enrolment(c.ID, p.ID); err == nil && e.Status != store.Cancelled {
				return bot.Envelope{}, false, nil // enrolled meanwhile
			}
			reply = bot.Reply{Text: t("reminder_course_deadline", "title", title, "date", formatDate(c.LastEnrolDay())),
				Buttons: [][]bot.Button{details}}
		case store.ReminderCourseStart, store.ReminderCourseFollowUp:
			e, err := r.cfg.Store.Enrolment(c.ID, p.ID)
			if store.IsNotFound(err) || (err == nil && e.Status != store.Enrolled) {
				return bot.Envelope{}, false, nil
			}
			if err != nil {
				return bot.Envelope{}, false, err
			}
			if rem.Kind == store.ReminderCourseStart {
				reply = bot.Reply{Text: t("reminder_course_start", "title", title, "date", formatDate(c.Start),
					"place", orDash(c.Place)), Buttons: [][]bot.Button{details}}
			} else {
				reply = bot.Reply{Text: t("reminder_course_followup", "title", title), Buttons: [][]bot.Button{
					{{Label: t("followup_found_work"), Payload: "course:work:" + c.ID}},
					{{Label: t("followup_job_matching"), Payload: "kb:job-matching"}},
					{{Label: t("followup_talk"), Payload: "case:new"}},
				}}
			}
		default:
			return bot.Envelope{}, false, nil
		}
	case "event":
		ev, err := r.cfg.Store.Event(id)
		if store.IsNotFound(err) {
			return bot.Envelope{}, false, nil
		}
		if err != nil {
			return bot.Envelope{}, false, err
		}
		if ev.Cancelled != (rem.Kind == store.ReminderEventCancelled) {
			return bot.Envelope{}, false, nil // only the cancellation notice is about a cancelled event
		}
		if store.IsNotice(rem.Kind) && !ev.Ends().After(now) {
			return bot.Envelope{}, false, nil // the event is over: no news any more
		}
		title := EventTitle(r.cfg.Texts, ev, lang)
		where := ev.Place
		if where == "" {
			where = ev.Link
		}
		when := formatTime(ev.Start.In(loc))
		if ev.AllDay {
			when = formatDate(store.DateOf(ev.Start, ev.Location()))
		}
		details := []bot.Button{{Label: t("event_details_button"), Payload: "event:" + ev.ID}}
		switch rem.Kind {
		case store.ReminderEventDay:
			reply = bot.Reply{Text: t("reminder_event_day", "title", title, "time", when, "place", orDash(where)),
				Buttons: [][]bot.Button{details}}
		case store.ReminderEventHour:
			reply = bot.Reply{Text: t("reminder_event_hour", "title", title, "time", when, "place", orDash(where)),
				Buttons: [][]bot.Button{details}}
		case store.ReminderEventChanged:
			reply = bot.Reply{Text: t("notice_event_changed", "title", title, "time", when, "place", orDash(where)),
				Buttons: [][]bot.Button{details}}
		case store.ReminderEventCancelled:
			reply = bot.Reply{Text: t("notice_event_cancelled", "title", title),
				Buttons: [][]bot.Button{{{Label: t("notice_other_events"), Payload: "events"}}}}
		default:
			return bot.Envelope{}, false, nil
		}
	default:
		return bot.Envelope{}, false, nil
	}
	to := p.Identities[0]
	return bot.Envelope{Channel: to.Channel, ChatID: to.PlatformID, PersonID: p.ID, Purpose: bot.PurposeUpdate,
		Reply: reply, Ref: ReminderRef(rem.ID)}, true, nil
}

// EventTitle is an event's title in lang; built-in events take theirs from the catalogue.
func EventTitle(texts Texts, ev *store.Event, lang string) string {
	if ev.Builtin != "" {
		if s := ev.Title.In(lang); s != "" {
			return s
		}
		return texts.T(lang, "event_"+ev.Builtin+"_title")
	}
	return ev.Title.In(lang)
}

func langOf(p *store.Person) string {
	if p.Lang == "" {
		return "lo"
	}
	return p.Lang
}

func formatDate(d store.Date) string {
	t, err := time.Parse(store.DateLayout, string(d))
	if err != nil {
		return string(d)
	}
	return t.Format("02/01/2006")
}

func formatTime(t time.Time) string { return t.Format("02/01/2006 15:04") }

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
