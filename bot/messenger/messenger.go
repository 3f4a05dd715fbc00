package messenger

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"phuan/bot"
)

// ChannelName is the name of this channel in messages, the outbox and metrics.
const ChannelName = "messenger"

// DefaultAPIURL is the Graph API base used when Config.APIURL is empty.
const DefaultAPIURL = "https://graph.facebook.com/v21.0"

// Contacts remembers when each person last wrote, which decides whether
// Messenger lets the Page message them (the 24-hour window).
// *store.Store implements it.
type Contacts interface {
	RecordContact(channel, chatID string, t time.Time) error
	LastContact(channel, chatID string) (time.Time, error)
}

// Config configures a Channel. PageToken, AppSecret, VerifyToken and
// Contacts are required.
type Config struct {
	PageToken   string // MESSENGER_PAGE_TOKEN
	AppSecret   string // MESSENGER_APP_SECRET: signs webhook bodies
	VerifyToken string // MESSENGER_VERIFY_TOKEN: answers the webhook check
	APIURL      string // MESSENGER_API_URL; DefaultAPIURL when empty
	// HumanAgent allows a moderator's reply 24 hours to 7 days after the
	// person's last message with the HUMAN_AGENT tag (MESSENGER_HUMAN_AGENT);
	// the Page needs Meta's permission for it.
	HumanAgent bool
	HTTPClient *http.Client // default: 30 s timeout
	Contacts   Contacts
	Logger     *slog.Logger
	Metrics    *bot.Metrics
	Clock      bot.Clock
}

// Channel is the Messenger channel: a bot.Channel for sending and the
// source of the webhook handler. It is safe for concurrent use.
type Channel struct {
	cfg    Config
	apiURL string
	log    *slog.Logger
}

// New checks cfg and returns a channel.
func New(cfg Config) (*Channel, error) {
	var missing []string
	if cfg.PageToken == "" {
		missing = append(missing, "MESSENGER_PAGE_TOKEN")
	}
	if cfg.AppSecret == "" {
		missing = append(missing, "MESSENGER_APP_SECRET")
	}
	if cfg.VerifyToken == "" {
		missing = append(missing, "MESSENGER_VERIFY_TOKEN")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("messenger: %s must be set", strings.Join(missing, ", "))
	}
	if cfg.Contacts == nil {
		return nil, errors.New("messenger: a contact store is required (for the 24-hour window)")
	}
	api := strings.TrimRight(cfg.APIURL, "/")
	if api == "" {
		api = DefaultAPIURL
	}
	if u, err := url.Parse(api); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("messenger: MESSENGER_API_URL %q is not an http(s) URL without query", cfg.APIURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = bot.SystemClock{}
	}
	if cfg.Metrics != nil {
		cfg.Metrics.Describe("phuan_updates_ignored_total", "Platform updates received and deliberately not handled, by kind.")
		cfg.Metrics.Describe("phuan_webhook_rejected_total", "Webhook requests refused, by reason.")
	}
	return &Channel{cfg: cfg, apiURL: api, log: cfg.Logger.With("component", "messenger")}, nil
}

// Name is "messenger".
func (c *Channel) Name() string { return ChannelName }

// DefaultLimits are Messenger send limits that stay well inside Meta's:
// 40 messages a second in all, one a second to a person with bursts of
// three (a reply split in parts).
func DefaultLimits() bot.Limits {
	return bot.Limits{PerSecond: 40, Burst: 40, PerChatPerSecond: 1, PerChatBurst: 3}
}
