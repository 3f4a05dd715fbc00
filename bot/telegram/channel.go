package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"phuan/bot"
	"phuan/store"
)

// Name is the channel's name in messages, outbox items and metrics.
const Name = "telegram"

// DefaultEndpoint is the public Bot API in the library's endpoint format.
const DefaultEndpoint = tgbotapi.APIEndpoint

// Payloads keeps button payloads too long for callback_data behind short
// tokens. *store.Store implements it.
type Payloads interface {
	PutPayload(payload string, now time.Time) (token string, err error)
	LookupPayload(token string) (payload string, found bool, err error)
}

// MessageLog keeps the ids of recent messages in private chats (the bot's
// and the person's, with their time; never a text), so a reply with
// ClearRecent can delete them. *store.Store implements it.
type MessageLog interface {
	RecordMessageIDs(channel string, recs ...store.MessageIDs) error
	RecentMessageIDs(channel, chatID string, since time.Time) ([]int64, error)
	ForgetMessageIDs(channel, chatID string, ids []int64) error
}

// Submitter takes a mapped message and stores it; nil means it is durable
// and the update may be confirmed. *bot.Engine implements it.
type Submitter interface {
	Submit(m bot.Message) (duplicate bool, err error)
}

// Config configures a Channel. Token is required; every network seam
// (Endpoint, HTTPClient) can point elsewhere for tests.
type Config struct {
	Token string
	// Endpoint is the library's format with two %s (token, method), e.g.
	// "http://127.0.0.1:8081/bot%s/%s"; empty means DefaultEndpoint.
	Endpoint string
	// WebhookURL switches to webhook mode; WebhookSecret is then required.
	WebhookURL    string
	WebhookSecret string
	HTTPClient    *http.Client
	// Limits are the send rate limits; zero means DefaultLimits(PaidBroadcast).
	Limits bot.Limits
	// PaidBroadcast sends broadcasts with allow_paid_broadcast (a fee per
	// message) and raises the default total limit to 1000/s.
	PaidBroadcast bool
	// ModeratorChatID is a group whose every message is passed on (the bot
	// must be an admin there to see them); in other groups only commands,
	// replies to the bot and mentions are.
	ModeratorChatID string
	Payloads        Payloads
	// MessageLog records private chats' message ids for ClearRecent; nil
	// means Payloads when it is one too (the store is both).
	MessageLog MessageLog
	Logger     *slog.Logger
	Metrics    *bot.Metrics
	Clock      bot.Clock
	// PollTimeout is how long one getUpdates call waits; default 30s.
	PollTimeout time.Duration
}

// DefaultLimits are Telegram's documented send limits: about 30 messages a
// second in total (1000 with paid broadcasts), one a second in a chat with a
// small burst, and 20 a minute in a group.
func DefaultLimits(paid bool) bot.Limits {
	l := bot.Limits{PerSecond: 30, Burst: 5, PerChatPerSecond: 1, PerChatBurst: 3, PerGroupPerMin: 20}
	if paid {
		l.PerSecond, l.Burst = 1000, 50
	}
	return l
}

var (
	_ bot.Channel = (*Channel)(nil)
	_ Submitter   = (*bot.Engine)(nil)
)

// Channel is the Telegram channel. It is safe for concurrent use.
type Channel struct {
	cfg     Config
	api     *tgbotapi.BotAPI
	http    *http.Client
	log     *slog.Logger
	metrics *bot.Metrics
	clock   bot.Clock

	botID       int64
	botUserName string // without '@'

	// retryBase is the first wait after a failed getUpdates or Submit.
	retryBase, retryMax time.Duration

	// bulkDeleteOff is when deleteMessages was found missing (a Bot API
	// server older than 7.0), as Unix nanoseconds; 0 while it works.
	bulkDeleteOff atomic.Int64

	mu       sync.Mutex
	answered map[string]bool // callback queries answered (or being answered)
	answerQ  []string        // answered ids, oldest first, to bound the map
	// answering holds a token per callback answer being sent: at most
	// maxAnswering at once, however many buttons are pressed.
	answering chan struct{}
	closed    bool
	wg        sync.WaitGroup // callback answers and message-id records in flight
	// recording counts message-id records in flight by chat; recorded is
	// signalled (with mu) when one ends. pendingIDs wait for the one
	// recorder goroutine (running while recorderOn), which stores all that
	// are waiting in one write; recordNow (buffered 1) ends its pause.
	recording  map[string]int
	recorded   *sync.Cond
	pendingIDs []store.MessageIDs
	recorderOn bool
	recordNow  chan struct{}
	admins     map[string]groupAdmins // by group chat id
}

// New checks the token with getMe and returns the channel.
func New(cfg Config) (*Channel, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: TELEGRAM_BOT_TOKEN is empty")
	}
	if strings.ContainsAny(cfg.Token, " \t\r\n/") {
		return nil, errors.New("telegram: TELEGRAM_BOT_TOKEN is malformed")
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	if strings.Count(cfg.Endpoint, "%s") != 2 || strings.Count(cfg.Endpoint, "%") != 2 {
		return nil, errors.New("telegram: TELEGRAM_API_ENDPOINT must look like http://host:port/bot%s/%s")
	}
	if cfg.WebhookURL != "" {
		u, err := url.Parse(cfg.WebhookURL)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return nil, errors.New("telegram: TELEGRAM_WEBHOOK_URL is not an http(s) URL")
		}
		if cfg.WebhookSecret == "" {
			return nil, errors.New("telegram: TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL")
		}
	}
	if cfg.WebhookSecret != "" && !validSecret(cfg.WebhookSecret) {
		return nil, errors.New("telegram: TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
	}
	if cfg.ModeratorChatID != "" {
		if _, err := strconv.ParseInt(cfg.ModeratorChatID, 10, 64); err != nil {
			return nil, errors.New("telegram: TELEGRAM_MODERATOR_CHAT_ID is not a chat id")
		}
	}
	if cfg.Limits == (bot.Limits{}) {
		cfg.Limits = DefaultLimits(cfg.PaidBroadcast)
	}
	if cfg.HTTPClient == nil {
		// Every call carries its own deadline; keep enough idle
		// connections for the sender's parallel workers, the callback
		// answers and polling, so bursts do not dial new ones.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		cfg.HTTPClient = &http.Client{Transport: tr}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = bot.SystemClock{}
	}
	if cfg.MessageLog == nil {
		if l, ok := cfg.Payloads.(MessageLog); ok {
			cfg.MessageLog = l
		}
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 30 * time.Second
	}
	c := &Channel{cfg: cfg, http: cfg.HTTPClient, log: cfg.Logger.With("component", "telegram"),
		metrics: cfg.Metrics, clock: cfg.Clock, retryBase: time.Second, retryMax: time.Minute,
		answered: map[string]bool{}, answering: make(chan struct{}, maxAnswering), recording: map[string]int{},
		recordNow: make(chan struct{}, 1), admins: map[string]groupAdmins{}}
	c.recorded = sync.NewCond(&c.mu)
	if c.metrics != nil {
		c.metrics.Describe("phuan_updates_ignored_total", "Platform updates received and deliberately not passed on, by kind.")
	}

	// The library's constructor calls getMe; bound it with a deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, cfg.Endpoint, ctxDoer{ctx: ctx, c: c.http})
	if err != nil {
		return nil, fmt.Errorf("telegram: check the bot token with getMe: %w", c.apiError("getMe", err))
	}
	api.Client = c.http
	c.api = api
	c.botID = api.Self.ID
	c.botUserName = api.Self.UserName
	return c, nil
}

// Name returns "telegram".
func (c *Channel) Name() string { return Name }

// Limits are the send limits to register with the sender.
func (c *Channel) Limits() bot.Limits { return c.cfg.Limits }

// BotUserName is the bot's @username without the '@' (for deep links).
func (c *Channel) BotUserName() string { return c.botUserName }

// WebhookPath is the path of the webhook URL, where to mount
// WebhookHandler; "" when the channel polls.
func (c *Channel) WebhookPath() string {
	if c.cfg.WebhookURL == "" {
		return ""
	}
	u, _ := url.Parse(c.cfg.WebhookURL) // checked by New
	if u.Path == "" {
		return "/"
	}
	return u.Path
}

// Close waits for callback answers and message-id records still in flight;
// call it after the receivers stopped.
func (c *Channel) Close() error {
	c.mu.Lock()
	c.closed = true
	c.hurryRecords()
	c.mu.Unlock()
	c.wg.Wait()
	return nil
}

var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func validSecret(s string) bool { return secretRE.MatchString(s) }

// ctxDoer gives the library's context-less requests a context, so every
// call can be cancelled and has a deadline, and hands the connection back
// for the next call (drainingBody).
type ctxDoer struct {
	ctx context.Context
	c   *http.Client
}

func (d ctxDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req.WithContext(d.ctx))
	if err == nil {
		resp.Body = drainingBody{resp.Body}
	}
	return resp, err
}

// drainLimit bounds what drainingBody reads to keep a connection.
const drainLimit = 64 << 10

// drainingBody reads what is left of an answer before closing it. The
// library stops reading at the end of the JSON value; when the answer came
// in chunks (a long message echoed back) the last chunk is still unread,
// and a body closed early costs its connection: every long send then
// dialled a new one.
type drainingBody struct{ io.ReadCloser }

func (b drainingBody) Close() error {
	io.Copy(io.Discard, io.LimitReader(b.ReadCloser, drainLimit))
	return b.ReadCloser.Close()
}

// callTimeout bounds a Bot API call when the caller's context has no deadline.
const callTimeout = 30 * time.Second

// call makes one Bot API request and returns its result, or an *apiError.
func (c *Channel) call(ctx context.Context, method string, params tgbotapi.Params) (json.RawMessage, error) {
	return c.upload(ctx, method, params, nil)
}

// upload makes one Bot API request, as multipart/form-data when it carries
// files, and returns its result, or an *apiError.
func (c *Channel) upload(ctx context.Context, method string, params tgbotapi.Params, files []tgbotapi.RequestFile) (json.RawMessage, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, callTimeout)
		defer cancel()
	}
	api := *c.api // a per-call copy carries the per-call context
	api.Client = ctxDoer{ctx: ctx, c: c.http}
	var resp *tgbotapi.APIResponse
	var err error
	if len(files) > 0 {
		resp, err = api.UploadFiles(method, params, files)
	} else {
		resp, err = api.MakeRequest(method, params)
	}
	if err != nil {
		ae := c.apiError(method, err)
		// UploadFiles leaves Telegram's error_code out of its error; the
		// decoded answer still has it.
		if ae.Code == 0 && ae.cause == nil && resp != nil && resp.ErrorCode != 0 {
			ae.Code = resp.ErrorCode
		}
		return nil, ae
	}
	return resp.Result, nil
}

// apiError is a failed Bot API call. Its text never contains the token.
type apiError struct {
	Method      string
	Code        int    // Telegram's error_code; 0 when no answer was understood
	Description string // Telegram's description, or the redacted transport error
	RetryAfter  int    // seconds, with 429
	MigrateTo   int64  // with 400 "group chat was upgraded to a supergroup chat"
	cause       error  // context.Canceled or DeadlineExceeded, for errors.Is
}

func (e *apiError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("telegram %s: %d %s", e.Method, e.Code, e.Description)
	}
	return fmt.Sprintf("telegram %s: %s", e.Method, e.Description)
}

func (e *apiError) Unwrap() error { return e.cause }

// apiError turns what the library returned into an *apiError, removing the
// token, which the library puts in every URL (and so in transport errors).
func (c *Channel) apiError(method string, err error) *apiError {
	e := &apiError{Method: method}
	var tg *tgbotapi.Error
	if errors.As(err, &tg) {
		e.Code, e.Description = tg.Code, tg.Message
		e.RetryAfter, e.MigrateTo = tg.RetryAfter, tg.MigrateToChatID
		return e
	}
	e.Description = c.redact(err.Error())
	switch {
	case errors.Is(err, context.Canceled):
		e.cause = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		e.cause = context.DeadlineExceeded
	}
	return e
}

// redact removes the bot token from s.
func (c *Channel) redact(s string) string {
	t := c.cfg.Token
	if t == "" {
		return s
	}
	s = strings.ReplaceAll(s, t, "<token>")
	if esc := url.PathEscape(t); esc != t {
		s = strings.ReplaceAll(s, esc, "<token>")
	}
	return s
}

// allowedUpdates are the update types Phuan asks for.
var allowedUpdates = []string{"message", "callback_query", "my_chat_member"}

func allowedUpdatesJSON() string {
	b, _ := json.Marshal(allowedUpdates)
	return string(b)
}

// SetWebhook registers cfg.WebhookURL with Telegram, with the secret token
// Telegram will send in X-Telegram-Bot-Api-Secret-Token.
func (c *Channel) SetWebhook(ctx context.Context) error {
	if c.cfg.WebhookURL == "" {
		return errors.New("telegram: set webhook: no webhook URL is configured")
	}
	p := tgbotapi.Params{"url": c.cfg.WebhookURL, "secret_token": c.cfg.WebhookSecret,
		"allowed_updates": allowedUpdatesJSON(), "max_connections": "40"}
	if _, err := c.call(ctx, "setWebhook", p); err != nil {
		return fmt.Errorf("set webhook: %w", err)
	}
	c.log.Info("webhook registered")
	return nil
}

// DeleteWebhook removes a webhook so getUpdates works; pending updates are kept.
func (c *Channel) DeleteWebhook(ctx context.Context) error {
	if _, err := c.call(ctx, "deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}

// Command is one entry of the bot's command menu.
type Command struct {
	Name        string // without '/': 1-32 of a-z, 0-9, _
	Description string // 1-256 characters
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// SetCommands registers the menu commands for each language code ("lo",
// "th", "en"); the "" key is the default for everyone else.
func (c *Channel) SetCommands(ctx context.Context, commands map[string][]Command) error {
	langs := make([]string, 0, len(commands))
	for lang := range commands {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		type wireCommand struct {
			Command     string `json:"command"`
			Description string `json:"description"`
		}
		list := make([]wireCommand, 0, len(commands[lang]))
		for _, cmd := range commands[lang] {
			if !commandRE.MatchString(cmd.Name) {
				return fmt.Errorf("set commands for %q: command %q must be 1-32 of a-z, 0-9, _", lang, cmd.Name)
			}
			desc := bot.CutLabel(strings.TrimSpace(cmd.Description), 256)
			if desc == "" {
				return fmt.Errorf("set commands for %q: command %q has no description", lang, cmd.Name)
			}
			list = append(list, wireCommand{cmd.Name, desc})
		}
		p := tgbotapi.Params{}
		if err := p.AddInterface("commands", list); err != nil {
			return fmt.Errorf("set commands for %q: %w", lang, err)
		}
		p.AddNonEmpty("language_code", lang)
		if _, err := c.call(ctx, "setMyCommands", p); err != nil {
			return fmt.Errorf("set commands for %q: %w", lang, err)
		}
	}
	return nil
}

// CreateForumTopic opens a topic in a forum supergroup and returns its
// thread id, to put in Envelope.ThreadID.
func (c *Channel) CreateForumTopic(ctx context.Context, chatID, name string) (string, error) {
	name = bot.CutLabel(strings.TrimSpace(name), 128)
	if name == "" {
		return "", errors.New("create forum topic: the name is empty")
	}
	raw, err := c.call(ctx, "createForumTopic", tgbotapi.Params{"chat_id": chatID, "name": name})
	if err != nil {
		return "", fmt.Errorf("create forum topic: %w", err)
	}
	var topic struct {
		ThreadID int64 `json:"message_thread_id"`
	}
	if err := json.Unmarshal(raw, &topic); err != nil || topic.ThreadID == 0 {
		return "", fmt.Errorf("create forum topic: unexpected answer %.100q", raw)
	}
	return strconv.FormatInt(topic.ThreadID, 10), nil
}
