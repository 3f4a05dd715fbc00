package main

import (
	"context"
	"fmt"

	"phuan/bot"
	"phuan/bot/messenger"
	"phuan/bot/telegram"
	"phuan/handlers"
)

// runner is a channel's receive loop (long polling); webhooks need none.
type runner func(ctx context.Context) error

// Webhook paths on the HTTP server.
const (
	messengerWebhookPath = "/webhooks/messenger"
	telegramWebhookPath  = "/webhooks/telegram"
)

// addChannels registers every configured channel with the sender and the
// HTTP server and returns the receive loops to run.
func (a *app) addChannels(ctx context.Context, srv *bot.Server) ([]runner, error) {
	var runners []runner
	if a.cfg.TelegramToken != "" {
		tg, err := a.telegram()
		if err != nil {
			return nil, err
		}
		a.sender.AddChannel(tg, tg.Limits())
		a.tg = tg
		a.typing.add(tg)
		a.closers = append(a.closers, tg.Close)
		if err := tg.SetCommands(ctx, telegramCommands(a.catalog)); err != nil {
			a.log.Warn("telegram menu commands not set", "component", "main", "err", err)
		}
		if path := tg.WebhookPath(); path != "" {
			srv.Handle("POST "+path, tg.WebhookHandler(a.engine))
			if err := tg.SetWebhook(ctx); err != nil {
				return nil, fmt.Errorf("set telegram webhook: %w", err)
			}
			a.log.Info("telegram webhook ready", "component", "main", "path", path)
		} else {
			runners = append(runners, func(ctx context.Context) error { return tg.Poll(ctx, a.engine) })
			a.log.Info("telegram long polling", "component", "main")
		}
	}
	if a.cfg.MessengerPageToken != "" {
		ch, err := a.messenger()
		if err != nil {
			return nil, err
		}
		a.sender.AddChannel(ch, messenger.DefaultLimits())
		a.typing.add(ch)
		srv.Handle(messengerWebhookPath, ch.WebhookHandler(a.engine))
		a.log.Info("messenger webhook ready", "component", "main", "path", messengerWebhookPath)
	}
	return runners, nil
}

func (a *app) telegram() (*telegram.Channel, error) {
	limits := telegram.DefaultLimits(a.cfg.TelegramPaidBroadcast)
	if a.cfg.TelegramRate > 0 {
		limits.PerSecond = a.cfg.TelegramRate
	}
	tg, err := telegram.New(telegram.Config{
		Token: a.cfg.TelegramToken, Endpoint: a.cfg.TelegramEndpoint,
		WebhookURL: a.cfg.TelegramWebhookURL, WebhookSecret: a.cfg.TelegramWebhookSecret,
		Limits: limits, PaidBroadcast: a.cfg.TelegramPaidBroadcast,
		ModeratorChatID: a.cfg.TelegramModeratorChat, Payloads: a.store,
		Logger: a.log, Metrics: a.metrics, Clock: a.clock,
	})
	if err != nil {
		return nil, fmt.Errorf("set up telegram: %w", err)
	}
	return tg, nil
}

// telegramCommands is the command menu in each language ("" is the default, Lao).
func telegramCommands(cat *handlers.Catalog) map[string][]telegram.Command {
	out := map[string][]telegram.Command{}
	for _, lang := range append([]string{""}, handlers.Languages...) {
		l := lang
		if l == "" {
			l = "lo"
		}
		var cmds []telegram.Command
		for _, name := range []string{"start", "menu", "help", "language", "privacy"} {
			cmds = append(cmds, telegram.Command{Name: name, Description: cat.T(l, "cmd_"+name)})
		}
		out[lang] = cmds
	}
	return out
}

func (a *app) messenger() (*messenger.Channel, error) {
	ch, err := messenger.New(messenger.Config{
		PageToken: a.cfg.MessengerPageToken, AppSecret: a.cfg.MessengerAppSecret,
		VerifyToken: a.cfg.MessengerVerifyToken, APIURL: a.cfg.MessengerAPIURL,
		HumanAgent: a.cfg.MessengerHumanAgent, Contacts: a.store,
		Logger: a.log, Metrics: a.metrics, Clock: a.clock,
	})
	if err != nil {
		return nil, fmt.Errorf("set up messenger: %w", err)
	}
	return ch, nil
}

// messengerProfile is the Page's greeting and persistent menu in each language.
func messengerProfile(cat *handlers.Catalog) messenger.Profile {
	p := messenger.Profile{Default: "lo", Languages: map[string]messenger.ProfileTexts{}}
	for _, lang := range handlers.Languages {
		p.Languages[lang] = messenger.ProfileTexts{
			Greeting: cat.T(lang, "messenger_greeting"),
			Menu: []bot.Button{
				{Label: cat.T(lang, "menu_button"), Payload: "menu"},
				{Label: cat.T(lang, "menu_help"), Payload: "help"},
				{Label: cat.T(lang, "settings_language"), Payload: "settings:lang"},
			},
		}
	}
	return p
}
