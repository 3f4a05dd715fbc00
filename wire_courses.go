package main

import (
	"context"
	"fmt"
	"time"

	"phuan/bot"
	"phuan/handlers"
	"phuan/scheduler"
	"phuan/store"
)

// courseParts is the courses, events, subscriptions, broadcasts and
// reminders part of the app, with the scheduler that ticks them.
type courseParts struct {
	a           *app
	mods        *handlers.Moderators
	broadcaster *scheduler.Broadcaster
	reminders   *scheduler.Reminders
	// sched ticks every job; other parts may Add theirs before start.
	sched *scheduler.Scheduler
	// courses is the person-facing courses feature (privacy uses it too).
	courses *handlers.Courses
}

// appOutbox queues through the app's sender, whenever it is set.
type appOutbox struct{ a *app }

func (o appOutbox) Enqueue(envs []bot.Envelope) error {
	if o.a.sender == nil {
		return fmt.Errorf("queue messages: the sender is not set up")
	}
	return o.a.sender.Enqueue(envs)
}

// newCourseParts builds the part. Call it in openApp once a.store, a.clock,
// a.metrics and the catalogue exist, before bot.NewSender (whose hooks it
// provides). mods may be nil: the moderators' room then comes from
// TELEGRAM_MODERATOR_CHAT_ID and PHUAN_MODERATORS.
func newCourseParts(a *app, cat *handlers.Catalog, mods *handlers.Moderators) *courseParts {
	if mods == nil {
		mods = handlers.NewModerators(handlers.Room{Channel: "telegram", ChatID: a.cfg.TelegramModeratorChat}, a.cfg.Moderator)
	}
	out := appOutbox{a}
	c := &courseParts{a: a, mods: mods, courses: handlers.NewCourses(a.store)}
	c.broadcaster = scheduler.NewBroadcaster(scheduler.BroadcasterConfig{Store: a.store, Outbox: out, Texts: cat,
		Clock: a.clock, Logger: a.log, Metrics: a.metrics, Location: a.cfg.Location})
	c.reminders = scheduler.NewReminders(scheduler.RemindersConfig{Store: a.store, Outbox: out, Texts: cat,
		Logger: a.log, Metrics: a.metrics})
	c.sched = scheduler.New(scheduler.Config{Location: a.cfg.Location, Clock: a.clock, Logger: a.log, Metrics: a.metrics})
	return c
}

// senderHooks returns hooks that count broadcast messages' fates, calling
// next's hooks too. Pass the result as bot.SenderConfig.Hooks.
func (c *courseParts) senderHooks(next bot.SenderHooks) bot.SenderHooks {
	h := next
	h.Finished = func(item store.OutboxItem, result string) {
		c.broadcaster.Finished(item, result)
		if next.Finished != nil {
			next.Finished(item, result)
		}
	}
	h.Held = func(channel string, d bot.Delivery) {
		c.broadcaster.Held(channel, d)
		if next.Held != nil {
			next.Held(channel, d)
		}
	}
	return h
}

// features returns the person-facing features (training and jobs, events,
// news subscriptions) and the moderators' /broadcast flow. Put them after
// crisis detection and cases and before the knowledge base's free-text
// answers, which would otherwise take the names and phone numbers typed
// while enrolling.
func (c *courseParts) features() []handlers.Feature {
	return []handlers.Feature{
		handlers.NewBroadcasts(handlers.BroadcastConfig{Store: c.a.store, Moderators: c.mods,
			Location: c.a.cfg.Location, Wake: c.broadcaster.Wake, Logger: c.a.log}),
		c.courses,
		handlers.NewEvents(c.a.store),
		handlers.NewSubscriptions(c.a.store),
	}
}

// start schedules the jobs, catches up on what came due while stopped,
// and starts ticking. Call it after the sender started; call stop before
// the sender stops.
func (c *courseParts) start(ctx context.Context) (stop func(), err error) {
	for _, j := range []struct {
		name, spec string
		job        scheduler.Job
	}{
		{"reminders", "* * * * *", c.reminders},
		{"broadcasts", "* * * * *", scheduler.JobFunc(c.broadcaster.Pump)},
		{"prune_seen", "17 3 * * *", scheduler.PruneSeen(c.a.store, c.a.log)},
	} {
		if err := c.sched.Add(j.name, j.spec, j.job); err != nil {
			return nil, err
		}
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.broadcaster.Run(bctx)
	}()
	c.sched.RunAll()
	c.sched.Start()
	return func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if err := c.sched.Stop(sctx); err != nil {
			c.a.log.Warn("scheduler did not stop in time", "component", "main", "err", err)
		}
		cancel()
		<-done
	}, nil
}

// mountAdmin mounts the admin API on the HTTP server when PHUAN_ADMIN_TOKEN
// is set. Progress of broadcasts made through it goes to the moderators' room.
func (c *courseParts) mountAdmin(srv *bot.Server) {
	if c.a.cfg.AdminToken == "" {
		return
	}
	var notify *store.Address
	if env, ok := c.mods.RoomEnvelope("", bot.Reply{}); ok {
		notify = &store.Address{Channel: env.Channel, ChatID: env.ChatID, Group: env.Group}
	}
	srv.Handle(handlers.AdminPrefix, handlers.NewAdminAPI(handlers.AdminConfig{Token: c.a.cfg.AdminToken,
		Store: c.a.store, Clock: c.a.clock, Location: c.a.cfg.Location, Notify: notify, NotifyLang: "lo",
		Wake: c.broadcaster.Wake, Logger: c.a.log}))
	c.a.log.Info("admin API ready", "component", "main", "path", handlers.AdminPrefix)
}
