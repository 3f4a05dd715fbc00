package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"phuan/bot"
	"phuan/store"
)

// Feature is a capability plugged into the dialogue (knowledge, cases,
// courses…). Features are asked in order; the first that takes a turn ends it.
type Feature interface {
	// Menu returns the feature's entries for the main menu (may be none).
	Menu(t *Turn) []bot.Button
	// Handle takes the turn if it is for this feature and reports whether it did.
	Handle(ctx context.Context, t *Turn) (bool, error)
}

// Store is what the dialogue needs from the store.
type Store interface {
	PersonByIdentity(store.Identity) (*store.Person, error)
	CreatePerson(*store.Person, store.Identity) error
	UpdatePerson(id string, change func(*store.Person) error) (*store.Person, error)
	MoveIdentity(old, moved store.Identity) error
	Conversation(channel, chatID string, now time.Time) (*store.Conversation, error)
	SaveConversation(*store.Conversation) error
	SaveTurnConversation(context.Context, *store.Conversation) error
	RemoveGroupSubscription(channel, chatID string) (bool, error)
	DeleteConversation(channel, chatID string) error
}

// Dialogue is the bot.Handler that runs every conversation.
type Dialogue struct {
	store     Store
	cat       *Catalog
	clock     bot.Clock
	log       *slog.Logger
	features  []Feature
	menuOrder []Feature
	link      func(channel string) string
}

// Config configures a Dialogue.
type Config struct {
	Store    Store
	Catalog  *Catalog
	Clock    bot.Clock
	Logger   *slog.Logger
	Features []Feature
	// Menu is the order of the features' entries in the main menu, which
	// is not the order they are asked in; default Features.
	Menu []Feature
	// PrivateChatLink returns a link that opens a private chat with the bot
	// on a channel (a Telegram deep link), or "".
	PrivateChatLink func(channel string) string
}

// New returns the dialogue handler.
func New(cfg Config) *Dialogue {
	if cfg.Clock == nil {
		cfg.Clock = bot.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Dialogue{store: cfg.Store, cat: cfg.Catalog, clock: cfg.Clock,
		log: cfg.Logger.With("component", "handlers"), features: cfg.Features, menuOrder: cfg.Menu, link: cfg.PrivateChatLink}
	return d
}

// Apology is the reply when handling a message failed.
func (d *Dialogue) Apology(m bot.Message) bot.Reply {
	lang := d.guessLang(m)
	if c, err := d.store.Conversation(m.Channel, m.ChatID, d.clock.Now()); err == nil && c.Lang != "" {
		lang = c.Lang
	}
	return bot.Reply{Text: d.cat.T(lang, "sorry"), Buttons: [][]bot.Button{Button(d.cat.T(lang, "menu_button"), "menu")}}
}

// Handle runs one turn.
func (d *Dialogue) Handle(ctx context.Context, m bot.Message) ([]bot.Envelope, error) {
	now := d.clock.Now()
	t := &Turn{Msg: m, Now: now, cat: d.cat}
	if d.link != nil && m.ChatType == bot.ChatGroup {
		t.privateLink = d.link(m.Channel)
	}
	conv, err := d.store.Conversation(m.Channel, m.ChatID, now)
	if err != nil {
		return nil, err
	}
	t.Conv = conv
	if m.UserID != "" {
		p, err := d.store.PersonByIdentity(store.Identity{Channel: m.Channel, PlatformID: m.UserID})
		switch {
		case err == nil:
			t.Person = p
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	t.Lang = d.lang(t)
	if err := d.route(ctx, t); err != nil {
		return t.out, err
	}
	if t.forgotten {
		return t.out, nil
	}
	if t.convDirty || t.Conv.Lang != t.Lang {
		t.Conv.Lang = t.Lang
		if err := d.store.SaveTurnConversation(ctx, t.Conv); err != nil {
			return t.out, err
		}
	}
	if t.Person != nil && m.Event == bot.EventNone && now.Sub(t.Person.LastSeenAt) > time.Hour {
		if _, err := d.store.UpdatePerson(t.Person.ID, func(p *store.Person) error {
			p.LastSeenAt, p.Unreachable = now, false
			return nil
		}); err != nil {
			return t.out, err
		}
	}
	return t.out, nil
}

// lang picks the turn's language: the person's choice, the chat's, or a guess.
func (d *Dialogue) lang(t *Turn) string {
	if t.Person != nil && t.Person.Lang != "" {
		return t.Person.Lang
	}
	if t.Conv.Lang != "" {
		return t.Conv.Lang
	}
	return d.guessLang(t.Msg)
}

// guessLang reads the script of the text (Lao, Thai), then the platform's
// language code, and defaults to Lao.
func (d *Dialogue) guessLang(m bot.Message) string {
	for _, r := range m.Text {
		switch {
		case unicode.Is(unicode.Lao, r):
			return "lo"
		case unicode.Is(unicode.Thai, r):
			return "th"
		}
	}
	code := strings.ToLower(m.LanguageCode)
	for _, l := range Languages {
		if code == l || strings.HasPrefix(code, l+"-") || strings.HasPrefix(code, l+"_") {
			return l
		}
	}
	return "lo"
}

func (d *Dialogue) route(ctx context.Context, t *Turn) error {
	m := t.Msg
	switch m.Event {
	case bot.EventNone:
	case bot.EventBlocked, bot.EventUnblocked:
		return d.setReachable(t, m.Event == bot.EventUnblocked)
	case bot.EventJoinedGroup:
		t.Say(t.T("group_intro"))
		return nil
	case bot.EventLeftGroup: // nothing can be said there any more: forget the group
		if _, err := d.store.RemoveGroupSubscription(m.Channel, m.ChatID); err != nil {
			return err
		}
		t.forgotten = true
		return d.store.DeleteConversation(m.Channel, m.ChatID)
	case bot.EventChatMoved:
		return d.moveChat(t)
	default:
		return nil
	}
	t.Command, t.Args = parseCommand(m.Text)
	if m.ChatType == bot.ChatGroup {
		return d.group(ctx, t)
	}
	if m.Payload != "" {
		return d.button(ctx, t)
	}
	if isLanguageWord(m.Text) {
		d.askLanguage(t)
		return nil
	}
	switch t.Command {
	case "start":
		d.start(t)
		return nil
	case "menu":
		d.menu(t)
		return nil
	case "help":
		t.Say(t.T("help"), t.MenuButton())
		return nil
	case "settings":
		d.settings(t)
		return nil
	case "language", "lang":
		d.askLanguage(t)
		return nil
	}
	if ok, err := d.runFeatures(ctx, t); err != nil || ok {
		return err
	}
	switch {
	case t.Command != "":
		t.Say(t.T("unknown_command", "command", "/"+t.Command), t.MenuButton())
	case strings.TrimSpace(m.Text) == "" && len(m.Media) > 0:
		t.Say(t.T("media_received"), t.MenuButton())
	case strings.TrimSpace(m.Text) == "":
		t.Say(t.T("empty_message"), t.MenuButton())
	default:
		t.Say(t.T("not_understood"), t.MenuButton())
	}
	return nil
}

// isLanguageWord recognises a request to change language in any of them.
func isLanguageWord(text string) bool {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "ພາສາ", "ภาษา", "language", "lang", "phasa", "pha sa":
		return true
	}
	return false
}

// group answers in a group chat: only what is addressed to the bot reaches
// here, and nothing personal is ever said in public.
func (d *Dialogue) group(ctx context.Context, t *Turn) error {
	if t.Command != "start" && t.Command != "help" {
		if ok, err := d.runFeatures(ctx, t); err != nil || ok {
			return err
		}
	}
	t.Say(t.T("group_intro"))
	return nil
}

// runFeatures offers the turn to each feature in order.
func (d *Dialogue) runFeatures(ctx context.Context, t *Turn) (bool, error) {
	for _, f := range d.features {
		if ok, err := f.Handle(ctx, t); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// button handles a pressed button.
func (d *Dialogue) button(ctx context.Context, t *Turn) error {
	p := t.Msg.Payload
	if lang, ok := strings.CutPrefix(p, "lang:"); ok && validLang(lang) {
		return d.chooseLanguage(t, lang)
	}
	if flow, step, value, ok := parseStep(p); ok {
		if flow != t.Conv.Flow || step != t.Conv.Step {
			d.stale(t)
			return nil
		}
		switch flow {
		case flowOnboard, flowProfile:
			return d.profileStep(t, step, value)
		}
		if ok, err := d.runFeatures(ctx, t); err != nil || ok {
			return err
		}
		d.stale(t)
		return nil
	}
	switch p {
	case "menu":
		d.menu(t)
		return nil
	case "help":
		t.Say(t.T("help"), t.MenuButton())
		return nil
	case "settings":
		d.settings(t)
		return nil
	case "settings:lang":
		d.askLanguage(t)
		return nil
	case "settings:profile":
		if t.Person == nil {
			d.askConsent(t)
			return nil
		}
		t.StartFlow(flowProfile, stepCountry)
		d.askCountry(t)
		return nil
	case "settings:consent":
		d.askConsent(t)
		return nil
	}
	if ok, err := d.runFeatures(ctx, t); err != nil || ok {
		return err
	}
	d.stale(t)
	return nil
}

// stale answers a button from an old message with the current menu.
func (d *Dialogue) stale(t *Turn) {
	t.Say(t.T("stale_button"), d.menuButtons(t)...)
}

func validLang(l string) bool {
	for _, x := range Languages {
		if x == l {
			return true
		}
	}
	return false
}

func (d *Dialogue) setReachable(t *Turn, reachable bool) error {
	if t.Person == nil {
		return nil
	}
	_, err := d.store.UpdatePerson(t.Person.ID, func(p *store.Person) error {
		p.Unreachable = !reachable
		return nil
	})
	return err
}

func (d *Dialogue) moveChat(t *Turn) error {
	m := t.Msg
	if m.NewChatID == "" || m.NewChatID == m.ChatID {
		return nil
	}
	if err := d.store.MoveIdentity(store.Identity{Channel: m.Channel, PlatformID: m.ChatID},
		store.Identity{Channel: m.Channel, PlatformID: m.NewChatID}); err != nil {
		return err
	}
	moved := *t.Conv
	moved.ChatID = m.NewChatID
	if err := d.store.SaveConversation(&moved); err != nil {
		return fmt.Errorf("move conversation state: %w", err)
	}
	if err := d.store.DeleteConversation(m.Channel, m.ChatID); err != nil {
		return err
	}
	t.Conv = &moved
	return nil
}
