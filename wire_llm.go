package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"phuan/bot"
	"phuan/bot/messenger"
	"phuan/bot/telegram"
	"phuan/handlers"
	"phuan/knowledge"
	"phuan/store"
)

// newModel returns what the knowledge feature needs to have answers written
// by a language model (OPENAI_API_KEY / OPENAI_BASE_URL, OPENAI_MODEL and
// the PHUAN_LLM_* settings), and the typing indicators channels register
// with as they start; both nil when no model is configured. Pass the model
// to handlers.NewAnswers(...).WithModel. It does not contact the server.
func newModel(cfg *Config, st *store.Store, log *slog.Logger, m *bot.Metrics) (*handlers.Model, *typingHub, error) {
	if !cfg.LLMEnabled() {
		return nil, nil, nil
	}
	llm, err := knowledge.NewLLM(knowledge.LLMConfig{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIKey,
		Model: cfg.OpenAIModel, Timeout: cfg.LLMTimeout, MaxAnswer: cfg.LLMMaxAnswer})
	if err != nil {
		return nil, nil, fmt.Errorf("set up the language model: %w", err)
	}
	host := "api.openai.com"
	if u, err := url.Parse(cfg.OpenAIBaseURL); err == nil && u.Host != "" {
		host = u.Host // never the key, nor credentials in the URL
	}
	log.Info("answers written by a language model", "component", "llm", "model", cfg.OpenAIModel, "host", host,
		"timeout", cfg.LLMTimeout.String(), "daily_cap", cfg.LLMDailyCap, "max_answer", cfg.LLMMaxAnswer, "cases", cfg.LLMCases)
	if cfg.OpenAIEmbeddingModel != "" {
		log.Warn("OPENAI_EMBEDDING_MODEL is set, but hybrid ranking is not built yet: it is ignored", "component", "llm")
	}
	typing := &typingHub{log: log.With("component", "llm")}
	return &handlers.Model{Writer: llm, Usage: st, DailyCap: cfg.LLMDailyCap, Location: cfg.Location,
		Timeout: cfg.LLMTimeout, Cases: cfg.LLMCases, Typing: typing.show, Metrics: m, Logger: log}, typing, nil
}

// typingChannel is a channel that can show a typing indicator
// (*telegram.Channel and *messenger.Channel are).
type typingChannel interface {
	Name() string
	TypingOn(ctx context.Context, chatID string) error
}

var (
	_ typingChannel = (*telegram.Channel)(nil)
	_ typingChannel = (*messenger.Channel)(nil)
)

// typingHub shows "typing…" in a chat while the model writes, on the
// channels added to it. Its methods are safe on a nil hub.
type typingHub struct {
	mu  sync.RWMutex
	by  map[string]typingChannel
	log *slog.Logger
}

// add registers a channel; call it where the channel is created.
func (h *typingHub) add(ch typingChannel) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.by == nil {
		h.by = map[string]typingChannel{}
	}
	h.by[ch.Name()] = ch
}

// typingRepeat is how often the indicator is renewed: Telegram shows it
// for 5 seconds; Messenger's lasts longer than a model call may.
var typingRepeat = map[string]time.Duration{"telegram": 4 * time.Second}

// show keeps the indicator on in the chat until ctx ends (the model
// answered or gave up). Failures only cost the indicator.
func (h *typingHub) show(ctx context.Context, channel, chatID string) {
	if h == nil {
		return
	}
	h.mu.RLock()
	ch := h.by[channel]
	h.mu.RUnlock()
	if ch == nil {
		return
	}
	every := typingRepeat[channel]
	for {
		if err := ch.TypingOn(ctx, chatID); err != nil {
			if ctx.Err() == nil {
				h.log.Debug("typing indicator not shown", "channel", channel, "err", err)
			}
			return
		}
		if every == 0 {
			return
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
