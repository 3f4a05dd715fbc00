package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"phuan/bench"
	"phuan/bot"
	"phuan/bot/telegram"
	"phuan/handlers"
)

const benchUsage = `usage:
  phuan bench inbound [--people N] [--messages M] [--runs R] [--json]  polling throughput and latency, against an echo bot
  phuan bench broadcast [--subscribers N] [--rate R] [--json]  a broadcast against a Bot API allowing R messages/s
  phuan bench kb [--json]                                       knowledge search latency and evaluation figures
Every one also takes --quiet (no progress line) and --cpuprofile FILE (for go tool pprof).
Each runs on loopback with a fake Bot API and a temporary data folder, removed at the end.
`

// runBench is "phuan bench inbound|broadcast|kb".
func runBench(cfg *Config, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, benchUsage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs := flag.NewFlagSet("bench "+args[0], flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("quiet", false, "no progress line on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	var (
		report interface{ WriteTable(io.Writer) error }
		run    func() error
	)
	switch args[0] {
	case "inbound":
		people := fs.Int("people", 50, "simulated people, each waiting for the answer before sending again")
		messages := fs.Int("messages", 20000, "updates in all")
		seed := fs.Uint64("seed", 1, "seed of the simulated people's choices")
		runs := fs.Int("runs", 5, "runs of each bot, alternately; the median ratio is reported")
		run = func() error {
			rep, err := bench.Inbound(ctx, bench.InboundConfig{People: *people, Messages: *messages, Seed: *seed,
				Runs: *runs, Phuan: benchPhuan(cfg, stderr), Progress: progressTo(stderr, *quiet)})
			report = rep
			return err
		}
	case "broadcast":
		subscribers := fs.Int("subscribers", 10000, "people subscribed")
		rate := fs.Float64("rate", 30, "messages a second the fake Bot API allows (1000: paid broadcasts)")
		run = func() error {
			rep, err := bench.Broadcast(ctx, bench.BroadcastConfig{Subscribers: *subscribers, Rate: *rate,
				Progress: progressTo(stderr, *quiet)})
			report = rep
			return err
		}
	case "kb":
		rounds := fs.Int("rounds", 50, "times each evaluation question is searched")
		articles := fs.Int("articles", 500, "articles to expand the knowledge base to")
		run = func() error {
			rep, err := bench.KB(bench.KBConfig{KBDir: cfg.KBDir, Articles: *articles, Rounds: *rounds,
				Progress: progressTo(stderr, *quiet)})
			report = rep
			return err
		}
	default:
		fmt.Fprintf(stderr, "phuan bench: unknown benchmark %q\n\n%s", args[0], benchUsage)
		return 2
	}
	if !parseFlags(fs, args[1:], stderr) {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "phuan bench %s: unexpected argument %q\n", args[0], fs.Arg(0))
		return 2
	}
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "phuan bench %s: %v\n", args[0], err)
			return 1
		}
		defer stopProfile()
	}
	if err := run(); err != nil {
		fmt.Fprintf(stderr, "phuan bench %s: %v\n", args[0], err)
		if errors.Is(err, bench.ErrUsage) {
			return 2
		}
		return 1
	}
	var err error
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(report)
	} else {
		err = report.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phuan bench %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// startCPUProfile profiles this process into the file at path until the
// returned function is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func progressTo(w io.Writer, quiet bool) io.Writer {
	if quiet {
		return nil
	}
	return w
}

// benchRoomChat is the moderators' room of a bench run: a supergroup on
// the fake Bot API that no simulated person reads.
const benchRoomChat = "-1001000000099"

// benchPhuan starts Phuan as serve does, polling the fake Bot API, on a
// fresh data folder, with the Telegram send limits lifted: the bench
// measures Phuan, not Telegram's pacing.
func benchPhuan(base *Config, stderr io.Writer) bench.StartFunc {
	return func(ctx context.Context, api bench.API) (func() error, error) {
		dir, err := os.MkdirTemp("", "phuan-bench-")
		if err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		cfg := *base
		cfg.DataDir, cfg.Addr = dir, "127.0.0.1:0"
		cfg.TelegramToken, cfg.TelegramEndpoint = api.Token, api.Endpoint
		cfg.TelegramWebhookURL, cfg.TelegramWebhookSecret = "", ""
		cfg.MessengerPageToken, cfg.MessengerAppSecret, cfg.MessengerVerifyToken = "", "", ""
		cfg.OpenAIKey, cfg.OpenAIBaseURL = "", "" // loopback only
		cfg.AdminToken, cfg.TelegramModeratorChat = "", ""
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
		// A moderators' room, as in production: a person who asks for a
		// helper gets a case, its topic, card and relays.
		a, err := openApp(&cfg, log, handlers.Room{Channel: telegram.Name, ChatID: benchRoomChat})
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		runners, err := a.addChannels(ctx, bot.NewServer(a.metrics, nil, log))
		if err != nil {
			a.close()
			os.RemoveAll(dir)
			return nil, err
		}
		a.sender.SetLimits(telegram.Name, bot.Limits{})
		if err := a.start(ctx); err != nil {
			a.close()
			os.RemoveAll(dir)
			return nil, err
		}
		done := make(chan error, len(runners))
		for _, r := range runners {
			go func() { done <- r(ctx) }()
		}
		return func() error {
			var errs []error
			for range runners {
				if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
					errs = append(errs, err)
				}
			}
			a.stop()
			errs = append(errs, os.RemoveAll(dir))
			return errors.Join(errs...)
		}, nil
	}
}
