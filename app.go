package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"phuan/bot"
	"phuan/bot/telegram"
	"phuan/handlers"
	"phuan/handlers/crisis"
	"phuan/knowledge"
	"phuan/store"
)

// app is Phuan wired together: store, engine, sender and handlers. Tests
// build it the same way main does.
type app struct {
	cfg     *Config
	log     *slog.Logger
	clock   bot.Clock
	store   *store.Store
	metrics *bot.Metrics
	sender  *bot.Sender
	engine  *bot.Engine
	dialog  *handlers.Dialogue
	kb      *knowledge.Base
	catalog *handlers.Catalog
	cases   *handlers.Cases
	courses *courseParts
	typing  *typingHub        // shows "typing…" while the model writes
	tg      *telegram.Channel // set when Telegram runs (forum topics for cases)
	// moderators says who may use moderator commands, and where the room is.
	moderators *handlers.Moderators
	closers    []func() error // channels to close at shutdown

	cancelSender context.CancelFunc
}

// openApp opens the data folder and builds every part. Channels are added
// by the caller before start. room is the moderators' room.
func openApp(cfg *Config, log *slog.Logger, room handlers.Room) (*app, error) {
	st, err := store.OpenDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	cat, err := handlers.LoadCatalog()
	if err != nil {
		st.Close()
		return nil, err
	}
	kb, err := knowledge.Open(cfg.KBDir)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("load knowledge base: %w", err)
	}
	a := &app{cfg: cfg, log: log, clock: bot.SystemClock{}, store: st, metrics: bot.NewMetrics(), kb: kb, catalog: cat,
		moderators: handlers.NewModerators(room, cfg.Moderator)}
	a.cases = handlers.NewCases(handlers.CasesConfig{Store: st, Catalog: cat, Moderators: a.moderators,
		Topics: a.topics(room), Contacts: kb, Location: cfg.Location, Logger: log})
	a.courses = newCourseParts(a, cat, a.moderators)
	detector := crisis.New()
	model, typing, err := newModel(cfg, st, log, a.metrics)
	if err != nil {
		st.Close()
		return nil, err
	}
	if model != nil {
		model.Guard = detector // a crisis never reaches the model, whatever the feature order
	}
	a.typing = typing
	privacy := handlers.NewPrivacy(handlers.PrivacyConfig{Store: st, Cases: a.cases, Courses: a.courses.courses,
		RetentionDays: cfg.RetentionDays})
	answers := handlers.NewAnswers(kb, st).WithModel(model)
	features := []handlers.Feature{
		handlers.NewCrisisResponse(detector, a.cases, log), // crisis detection runs first, always
		privacy,
		a.cases, // an open case takes the person's messages before any other feature
	}
	// Courses, events, news and broadcasts take typed names and phone
	// numbers in their flows: before the free-text answers.
	courseFeatures := a.courses.features()
	features = append(features, courseFeatures...)
	// Free text falls through to search (and the model, when configured): keep it last.
	features = append(features, answers)
	menu := append(append([]handlers.Feature{answers, a.cases}, courseFeatures...), privacy)
	a.dialog = handlers.New(handlers.Config{Store: st, Catalog: cat, Clock: a.clock, Logger: log, Features: features,
		Menu: menu, PrivateChatLink: a.privateChatLink})
	a.sender = bot.NewSender(bot.SenderConfig{Store: st, Logger: log, Metrics: a.metrics, Clock: a.clock,
		Hooks: a.courses.senderHooks(bot.SenderHooks{Unreachable: a.unreachable, ChatMoved: a.chatMoved, Held: a.held,
			Finished: a.finished})})
	a.engine = bot.NewEngine(bot.EngineConfig{Store: st, Sender: a.sender, Handler: a.dialog,
		Apology: a.dialog.Apology, Logger: log, Metrics: a.metrics, Clock: a.clock,
		// Someone in danger does not wait for a slow answer to their
		// previous message: it gives up and answers plainly.
		Interrupts: func(m bot.Message) bool { return m.Text != "" && detector.Detect(m.Text).Crisis }})
	a.metrics.Describe("phuan_moderator_room_undelivered_total",
		"Messages to the moderators' room given up on, by result: cases are not reaching the helpers.")
	a.metrics.Gauge("phuan_outbox_depth", "Messages waiting in the outbox.", func() float64 {
		n, _ := st.OutboxDepth()
		return float64(n)
	})
	return a, nil
}

// topics opens case topics in the Telegram moderators' room once Telegram
// runs; before that, and without Telegram, cards are plain messages.
func (a *app) topics(room handlers.Room) handlers.Topics {
	if room.Channel != telegram.Name {
		return nil // the console's room has no topics
	}
	return handlers.TopicsFunc(func(ctx context.Context, chatID, name string) (string, error) {
		if a.tg == nil {
			return "", errors.New("no telegram channel for forum topics")
		}
		return a.tg.CreateForumTopic(ctx, chatID, name)
	})
}

// privateChatLink opens a private chat with the bot from a group: a
// Telegram deep link whose payload records where the person came from.
func (a *app) privateChatLink(channel string) string {
	if channel != telegram.Name || a.tg == nil || a.tg.BotUserName() == "" {
		return ""
	}
	return "https://t.me/" + a.tg.BotUserName() + "?start=from_group"
}

// start resumes stored work and starts the workers.
func (a *app) start(ctx context.Context) error {
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancelSender = cancel
	if err := a.sender.Start(sctx); err != nil {
		return err
	}
	return a.engine.Start(ctx)
}

// settle waits until every accepted message is handled and every reply sent.
func (a *app) settle(ctx context.Context) error {
	if err := a.engine.WaitIdle(ctx); err != nil {
		return err
	}
	return a.sender.WaitIdle(ctx)
}

// stop finishes queued work for up to ten seconds, then closes the store;
// whatever is left stays stored and is resumed at the next start.
func (a *app) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.engine.Stop(ctx); err != nil {
		a.log.Warn("engine did not finish in time", "component", "main", "err", err)
	}
	if err := a.sender.WaitIdle(ctx); err != nil {
		a.log.Warn("outbox not empty at shutdown; it is sent at the next start", "component", "main")
	}
	a.close()
}

func (a *app) close() {
	for _, c := range a.closers {
		if err := c(); err != nil {
			a.log.Warn("close channel", "component", "main", "err", err)
		}
	}
	if a.cancelSender != nil {
		a.cancelSender()
		a.sender.Wait()
	}
	if err := a.store.Close(); err != nil {
		a.log.Error("close store", "component", "main", "err", err)
	}
}

// serve runs the HTTP server, the channels and the workers until ctx ends.
// listening, if set, is told the server's address once it accepts requests.
func (a *app) serve(ctx context.Context, listening func(net.Addr)) error {
	srv := bot.NewServer(a.metrics, a.ready, a.log)
	runners, err := a.addChannels(ctx, srv)
	if err != nil {
		a.close()
		return err
	}
	if len(runners) == 0 && !a.hasWebhook() {
		a.close()
		return errNoChannel
	}
	if err := a.start(ctx); err != nil {
		a.close()
		return err
	}
	if err := a.store.ServeBackups(ctx, a.cfg.DataDir, a.log); err != nil {
		a.log.Warn("hot backups unavailable", "component", "main", "err", err)
	}
	a.courses.mountAdmin(srv)
	if err := a.addJobs(); err != nil {
		a.stop()
		return err
	}
	stopJobs, err := a.courses.start(ctx)
	if err != nil {
		a.stop()
		return err
	}
	addr, err := srv.Listen(a.cfg.Addr)
	if err != nil {
		a.stop()
		return err
	}
	a.log.Info("phuan is running", "component", "main", "addr", addr.String())
	if listening != nil {
		listening(addr)
	}
	done := make(chan error, len(runners))
	for _, r := range runners {
		go func() { done <- r(ctx) }()
	}
	<-ctx.Done()
	a.log.Info("shutting down", "component", "main")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	for range runners {
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("channel stopped", "component", "main", "err", err)
		}
	}
	stopJobs()
	a.stop()
	return nil
}

// ready reports whether the bot can take traffic: the data file answers.
func (a *app) ready() error {
	_, err := a.store.SchemaVersion()
	return err
}

// hasWebhook reports whether a channel receives through the HTTP server.
func (a *app) hasWebhook() bool {
	return a.cfg.TelegramWebhookURL != "" || a.cfg.MessengerPageToken != ""
}

// healthcheck asks a local serve for /healthz.
func healthcheck(addr string, timeout time.Duration) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("read address %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: timeout}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %s", resp.Status)
	}
	return nil
}
