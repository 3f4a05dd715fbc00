package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// API is where a bot under test finds the fake Bot API.
type API struct {
	Endpoint string // the library's format: http://127.0.0.1:PORT/bot%s/%s
	Token    string
}

// StartFunc starts a bot against api. The bot runs until ctx ends; wait
// blocks until it has stopped and cleaned up after itself.
type StartFunc func(ctx context.Context, api API) (wait func() error, err error)

// ctxClient gives the library's context-less requests a context, so the
// long poll ends when the bot is stopped.
type ctxClient struct {
	ctx context.Context
	c   *http.Client
}

func (d ctxClient) Do(req *http.Request) (*http.Response, error) {
	return d.c.Do(req.WithContext(d.ctx))
}

// echoKeyboard is the one button under every echo, so the simulated people
// have something to press.
var echoKeyboard = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
	tgbotapi.NewInlineKeyboardButtonData("again", "again")))

// Echo is the baseline: the simplest correct bot on the same library, with
// no store and no handlers. It polls with getUpdates and answers each
// update at once, in order: a message with its text, a button press with
// answerCallbackQuery and a message.
func Echo(ctx context.Context, api API) (func() error, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	b, err := tgbotapi.NewBotAPIWithClient(api.Token, api.Endpoint, ctxClient{ctx: ctx, c: &http.Client{Transport: tr}})
	if err != nil {
		return nil, fmt.Errorf("start echo bot: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		cfg := tgbotapi.NewUpdate(0)
		cfg.Timeout, cfg.Limit = 30, 100
		for ctx.Err() == nil {
			updates, err := b.GetUpdates(cfg)
			if err != nil {
				if ctx.Err() == nil {
					pause(ctx, 100*time.Millisecond)
				}
				continue
			}
			for _, u := range updates {
				cfg.Offset = u.UpdateID + 1
				if err := echo(b, u); err != nil && ctx.Err() == nil {
					done <- fmt.Errorf("echo update %d: %w", u.UpdateID, err)
					return
				}
			}
		}
		tr.CloseIdleConnections()
		done <- nil
	}()
	return func() error { return <-done }, nil
}

func echo(b *tgbotapi.BotAPI, u tgbotapi.Update) error {
	var chatID int64
	var text string
	switch {
	case u.Message != nil:
		chatID, text = u.Message.Chat.ID, u.Message.Text
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil:
		if _, err := b.Request(tgbotapi.NewCallback(u.CallbackQuery.ID, "")); err != nil {
			return err
		}
		chatID, text = u.CallbackQuery.Message.Chat.ID, u.CallbackQuery.Data
	default:
		return nil
	}
	msg := tgbotapi.NewMessage(chatID, "echo: "+text)
	msg.ReplyMarkup = echoKeyboard
	_, err := b.Send(msg)
	return err
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
