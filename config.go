package main

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the static binary carries its own time zones
)

// Config is every setting, read from the environment; flags may override.
type Config struct {
	DataDir   string
	Addr      string
	Location  *time.Location
	LogLevel  slog.Level
	KBDir     string
	Moderator []string
	// AdminToken authenticates the admin HTTP API (PHUAN_ADMIN_TOKEN);
	// without it the API is off.
	AdminToken string
	// RetentionDays: stored message texts and case transcripts are deleted
	// this many days after a case closes (PHUAN_RETENTION_DAYS).
	RetentionDays int

	TelegramToken         string
	TelegramEndpoint      string
	TelegramWebhookURL    string
	TelegramWebhookSecret string
	TelegramModeratorChat string
	TelegramPaidBroadcast bool
	TelegramRate          float64

	MessengerPageToken   string
	MessengerAppSecret   string
	MessengerVerifyToken string
	MessengerAPIURL      string
	MessengerHumanAgent  bool

	OpenAIKey            string
	OpenAIBaseURL        string
	OpenAIModel          string
	OpenAIEmbeddingModel string
	LLMTimeout           time.Duration // PHUAN_LLM_TIMEOUT, default 12s
	LLMDailyCap          int           // PHUAN_LLM_DAILY_CAP: model answers per person per day, default 30
	LLMMaxAnswer         int           // PHUAN_LLM_MAX_ANSWER: characters, default 900
	LLMCases             bool          // PHUAN_LLM_CASES: case conversations may go to the model
}

// LLMEnabled reports whether a language model is configured.
func (c *Config) LLMEnabled() bool { return c.OpenAIKey != "" || c.OpenAIBaseURL != "" }

// settingError names the setting that stopped start-up.
type settingError struct {
	name, problem string
}

func (e *settingError) Error() string { return "setting " + e.name + ": " + e.problem }

// loadConfig reads settings from getenv and checks them.
func loadConfig(getenv func(string) string) (*Config, error) {
	c := &Config{
		DataDir:               orDefault(getenv("PHUAN_DATA_DIR"), "./data"),
		Addr:                  orDefault(getenv("PHUAN_ADDR"), ":8080"),
		KBDir:                 getenv("PHUAN_KB_DIR"),
		AdminToken:            getenv("PHUAN_ADMIN_TOKEN"),
		RetentionDays:         90,
		TelegramToken:         getenv("TELEGRAM_BOT_TOKEN"),
		TelegramEndpoint:      getenv("TELEGRAM_API_ENDPOINT"),
		TelegramWebhookURL:    getenv("TELEGRAM_WEBHOOK_URL"),
		TelegramWebhookSecret: getenv("TELEGRAM_WEBHOOK_SECRET"),
		TelegramModeratorChat: getenv("TELEGRAM_MODERATOR_CHAT_ID"),
		MessengerPageToken:    getenv("MESSENGER_PAGE_TOKEN"),
		MessengerAppSecret:    getenv("MESSENGER_APP_SECRET"),
		MessengerVerifyToken:  getenv("MESSENGER_VERIFY_TOKEN"),
		MessengerAPIURL:       getenv("MESSENGER_API_URL"),
		OpenAIKey:             getenv("OPENAI_API_KEY"),
		OpenAIBaseURL:         getenv("OPENAI_BASE_URL"),
		OpenAIModel:           getenv("OPENAI_MODEL"),
		OpenAIEmbeddingModel:  getenv("OPENAI_EMBEDDING_MODEL"),
		LLMTimeout:            12 * time.Second,
		LLMDailyCap:           30,
		LLMMaxAnswer:          900,
	}
	tz := orDefault(getenv("PHUAN_TIMEZONE"), "Asia/Vientiane")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, &settingError{"PHUAN_TIMEZONE", fmt.Sprintf("%q is not a known time zone", tz)}
	}
	c.Location = loc
	if v := getenv("PHUAN_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return nil, &settingError{"PHUAN_LOG_LEVEL", fmt.Sprintf("%q is not one of debug, info, warn, error", v)}
		}
	}
	for _, id := range strings.Split(getenv("PHUAN_MODERATORS"), ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			return nil, &settingError{"PHUAN_MODERATORS", fmt.Sprintf("%q is not a numeric user id (use a comma-separated list)", id)}
		}
		c.Moderator = append(c.Moderator, id)
	}
	if c.TelegramModeratorChat != "" {
		if _, err := strconv.ParseInt(c.TelegramModeratorChat, 10, 64); err != nil {
			return nil, &settingError{"TELEGRAM_MODERATOR_CHAT_ID", "must be a numeric chat id such as -1001234567890"}
		}
	}
	if v := getenv("PHUAN_RETENTION_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return nil, &settingError{"PHUAN_RETENTION_DAYS", fmt.Sprintf("%q is not a number of days between 1 and 3650", v)}
		}
		c.RetentionDays = n
	}
	if c.AdminToken != "" && len(c.AdminToken) < 24 {
		return nil, &settingError{"PHUAN_ADMIN_TOKEN", "must be at least 24 characters (use a long random string)"}
	}
	if c.TelegramPaidBroadcast, err = parseBool(getenv, "TELEGRAM_PAID_BROADCAST"); err != nil {
		return nil, err
	}
	if v := getenv("TELEGRAM_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			return nil, &settingError{"TELEGRAM_RATE", fmt.Sprintf("%q is not a positive number of messages per second", v)}
		}
		c.TelegramRate = r
	}
	if c.MessengerHumanAgent, err = parseBool(getenv, "MESSENGER_HUMAN_AGENT"); err != nil {
		return nil, err
	}
	if c.LLMCases, err = parseBool(getenv, "PHUAN_LLM_CASES"); err != nil {
		return nil, err
	}
	if v := getenv("PHUAN_LLM_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 2*time.Minute {
			return nil, &settingError{"PHUAN_LLM_TIMEOUT", fmt.Sprintf("%q is not a duration such as 12s (at most 2m)", v)}
		}
		c.LLMTimeout = d
	}
	for _, n := range []struct {
		name string
		dst  *int
		max  int
	}{{"PHUAN_LLM_DAILY_CAP", &c.LLMDailyCap, 10000}, {"PHUAN_LLM_MAX_ANSWER", &c.LLMMaxAnswer, 4000}} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 0 || i > n.max {
				return nil, &settingError{n.name, fmt.Sprintf("%q is not a whole number from 0 to %d", v, n.max)}
			}
			*n.dst = i
		}
	}
	if c.LLMEnabled() && c.OpenAIModel == "" {
		return nil, &settingError{"OPENAI_MODEL", "is required when OPENAI_API_KEY or OPENAI_BASE_URL is set"}
	}
	if c.TelegramWebhookURL != "" {
		if c.TelegramToken == "" {
			return nil, &settingError{"TELEGRAM_BOT_TOKEN", "is required when TELEGRAM_WEBHOOK_URL is set"}
		}
		if !strings.HasPrefix(c.TelegramWebhookURL, "https://") {
			return nil, &settingError{"TELEGRAM_WEBHOOK_URL", "must be an https:// address"}
		}
		if c.TelegramWebhookSecret == "" {
			return nil, &settingError{"TELEGRAM_WEBHOOK_SECRET", "is required in webhook mode (1-256 characters of A-Z a-z 0-9 _ -)"}
		}
	}
	if c.TelegramEndpoint != "" && strings.Count(c.TelegramEndpoint, "%s") != 2 {
		return nil, &settingError{"TELEGRAM_API_ENDPOINT", "must contain two %s, as in http://127.0.0.1:8081/bot%s/%s"}
	}
	if c.MessengerPageToken != "" || c.MessengerAppSecret != "" || c.MessengerVerifyToken != "" {
		for _, s := range []struct{ name, value string }{{"MESSENGER_PAGE_TOKEN", c.MessengerPageToken},
			{"MESSENGER_APP_SECRET", c.MessengerAppSecret}, {"MESSENGER_VERIFY_TOKEN", c.MessengerVerifyToken}} {
			if s.value == "" {
				return nil, &settingError{s.name, "is required when any MESSENGER_ setting is set"}
			}
		}
	}
	return c, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func parseBool(getenv func(string) string, name string) (bool, error) {
	v := getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &settingError{name, fmt.Sprintf("%q is not true or false", v)}
	}
	return b, nil
}

// logger writes JSON logs to stderr at the configured level.
func (c *Config) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel}))
}
