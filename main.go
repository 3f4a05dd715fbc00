// Command phuan is a Telegram and Messenger chatbot for Lao migrant workers.
// It only parses subcommands and settings and wires the parts together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"phuan/bot"
	"phuan/bot/console"
	"phuan/handlers"
	"phuan/store"
)

const usage = `phuan — a chatbot for Lao migrant workers

Usage:
  phuan chat [--data DIR] [--lang lo|th|en] [--user NAME]   talk to the bot in this terminal
  phuan serve [--data DIR] [--addr :8080]                   run the configured channels and the HTTP server
  phuan kb lint | search [--lang L] [--limit N] [--json] QUERY | export --json
  phuan courses import [--data DIR] FILE | export [--data DIR] ID
  phuan events import [--data DIR] FILE
  phuan backup [--data DIR] FILE                            copy the data, also while serve runs
  phuan messenger setup                                      set the Page's Get Started button, greeting and menu
  phuan bench inbound|broadcast|kb [--json]                 throughput, pacing and search on loopback (README "Performance")
  phuan healthcheck [--addr :8080]                          exit 0 when a local serve is healthy

Settings are environment variables; see README.md.
`

func main() {
	addProcForSyncs(os.Getenv)
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// addProcForSyncs runs Go code on one more thread than the runtime chose
// (the CPUs, or the container's CPU limit), unless GOMAXPROCS is set. The
// store's commits wait in fdatasync, and the runtime hands the waiting
// thread's share of the CPUs to other work only after a delay; meanwhile a
// CPU sits idle while replies wait. On 2 vCPUs this lifts the inbound bench
// by about 15% and leaves the echo baseline as it was (README
// "Performance").
func addProcForSyncs(getenv func(string) string) {
	if getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	}
}

// run is the whole program; tests call it.
func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "phuan:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "chat":
		return runChat(ctx, cfg, args[1:], stdin, stdout, stderr)
	case "serve":
		return runServe(ctx, cfg, args[1:], stdout, stderr)
	case "kb":
		return runKB(args[1:], stdout, stderr)
	case "backup":
		return runBackup(cfg, args[1:], stdout, stderr)
	case "courses":
		return runCourses(cfg, args[1:], stdout, stderr)
	case "events":
		return runEvents(cfg, args[1:], stdout, stderr)
	case "messenger":
		return runMessenger(ctx, cfg, args[1:], stdout, stderr)
	case "bench":
		return runBench(cfg, args[1:], stdout, stderr)
	case "healthcheck":
		return runHealthcheck(cfg, args[1:], stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "phuan: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// parseFlags parses a subcommand's flags, printing errors to stderr.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) bool {
	fs.SetOutput(stderr)
	return fs.Parse(args) == nil
}

func runChat(ctx context.Context, cfg *Config, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder")
	lang := fs.String("lang", "", "language to start in: lo, th or en")
	user := fs.String("user", "you", "who is typing (a name for this terminal person)")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	if *lang != "" && *lang != "lo" && *lang != "th" && *lang != "en" {
		fmt.Fprintf(stderr, "phuan chat: --lang must be lo, th or en, not %q\n", *lang)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)}))
	app, err := openApp(cfg, log, handlers.Room{Channel: console.Name, ChatID: consoleRoom})
	if err != nil {
		fmt.Fprintln(stderr, "phuan:", err)
		return 1
	}
	term := console.New(stdout, *user, *lang, app.clock).WithRoom(consoleRoom)
	app.sender.AddChannel(term, bot.Limits{})
	if err := app.start(ctx); err != nil {
		app.close()
		fmt.Fprintln(stderr, "phuan:", err)
		return 1
	}
	runErr := term.Run(ctx, stdin, app.engine, app.settle)
	app.stop()
	if runErr != nil {
		fmt.Fprintln(stderr, "phuan:", runErr)
		return 1
	}
	return 0
}

// consoleRoom is the moderators' room of `phuan chat` ("/as moderator").
const consoleRoom = "moderators"

func runServe(ctx context.Context, cfg *Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "HTTP listen address")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	if cfg.TelegramToken == "" && cfg.MessengerPageToken == "" {
		fmt.Fprint(stderr, noChannel)
		return 1
	}
	log := cfg.logger()
	app, err := openApp(cfg, log, handlers.Room{Channel: "telegram", ChatID: cfg.TelegramModeratorChat})
	if err != nil {
		fmt.Fprintln(stderr, "phuan:", err)
		return 1
	}
	if !app.cases.Staffed() {
		log.Warn("no moderators' room (TELEGRAM_MODERATOR_CHAT_ID): no case is opened; people who ask for a person, or are in danger, are given the help lines",
			"component", "main")
	}
	if err := app.serve(ctx, nil); err != nil {
		fmt.Fprintln(stderr, "phuan:", err)
		return 1
	}
	return 0
}

const noChannel = `phuan serve: no channel is configured.
Set TELEGRAM_BOT_TOKEN (Telegram, long polling; add TELEGRAM_WEBHOOK_URL and
TELEGRAM_WEBHOOK_SECRET for a webhook), or MESSENGER_PAGE_TOKEN,
MESSENGER_APP_SECRET and MESSENGER_VERIFY_TOKEN (Messenger). See README.md.
To talk to the bot without any token, run: phuan chat   (or: go run . chat)
`

func runBackup(cfg *Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "phuan backup: give one FILE to write, e.g. phuan backup phuan-backup.db")
		return 2
	}
	n, err := store.BackupDir(cfg.DataDir, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "phuan backup:", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", fs.Arg(0), n)
	return 0
}

func runMessenger(ctx context.Context, cfg *Config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] != "setup" {
		fmt.Fprintln(stderr, "usage: phuan messenger setup")
		return 2
	}
	if cfg.MessengerPageToken == "" {
		fmt.Fprintln(stderr, "phuan messenger setup: setting MESSENGER_PAGE_TOKEN is required (with MESSENGER_APP_SECRET and MESSENGER_VERIFY_TOKEN)")
		return 2
	}
	cat, err := handlers.LoadCatalog()
	if err != nil {
		fmt.Fprintln(stderr, "phuan:", err)
		return 1
	}
	a := &app{cfg: cfg, log: cfg.logger(), clock: bot.SystemClock{}}
	ch, err := a.messenger()
	if err != nil {
		fmt.Fprintln(stderr, "phuan:", err)
		return 1
	}
	if err := ch.Setup(ctx, messengerProfile(cat)); err != nil {
		fmt.Fprintln(stderr, "phuan messenger setup:", err)
		return 1
	}
	fmt.Fprintln(stdout, "Messenger profile set: Get Started, greeting and menu in lo, th and en.")
	return 0
}

func runHealthcheck(cfg *Config, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address serve listens on")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	if err := healthcheck(cfg.Addr, 3*time.Second); err != nil {
		fmt.Fprintln(stderr, "phuan healthcheck:", err)
		return 1
	}
	return 0
}

// The dialogue must satisfy the engine's Handler.
var _ bot.Handler = (*handlers.Dialogue)(nil)

var errNoChannel = errors.New("no channel configured")
