package main

import (
	"context"
	"fmt"

	"phuan/bot"
	"phuan/bot/messenger"
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
	if a.cfg.MessengerPageToken != "" {
		ch, err := a.messenger()
		if err != nil {
			return nil, err
		}
		a.sender.AddChannel(ch, messenger.DefaultLimits())
		srv.Handle(messengerWebhookPath, ch.WebhookHandler(a.engine))
		a.log.Info("messenger webhook ready", "component", "main", "path", messengerWebhookPath)
	}
	return runners, nil
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
