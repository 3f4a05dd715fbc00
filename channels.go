package main

import (
	"context"

	"phuan/bot"
)

// runner is a channel's receive loop (long polling); webhooks need none.
type runner func(ctx context.Context) error

// addChannels registers every configured channel with the sender and the
// HTTP server and returns the receive loops to run.
func (a *app) addChannels(ctx context.Context, srv *bot.Server) ([]runner, error) {
	return nil, nil
}
