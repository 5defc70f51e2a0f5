package io.mtl4j.cli;

import io.mtl4j.util.Suggestions;
import io.mtl4j.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;

/** The {@code mtl4j} command line. */
@Command(name = "mtl4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
                "Multi-task fine-tuning of BERT-family encoders on LibTorch.",
                "",
                "Models are Hugging Face directories (config.json, model.safetensors or a",
                "pytorch_model.bin converted once into the cache, tokenizer.json or a BERT vocab.txt)",
                "or hub ids such as google-bert/bert-large-uncased (downloaded into the HF cache).",
                "Run 'mtl4j <command> --help' for a command's options and examples."},
        subcommands = {TrainCommand.class, LaunchCommand.class, CompareCommand.class, EvalCommand.class, PredictCommand.class, ExportCommand.class,
                EncodeCommand.class, DataCommand.class, BenchCommand.class, PcgradCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces and debug logs.")
    void setVerbose(boolean verbose) {
        Main.verbose = verbose;
        if (verbose) {
            org.apache.logging.log4j.core.config.Configurator.setRootLevel(org.apache.logging.log4j.Level.DEBUG);
        }
    }

    static boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr()); // not reached: execute() handles a command group given alone
    }

    /** Help is this wide; descriptions are written as lines of up to ~100 characters (HelpTest checks them). */
    static final int USAGE_HELP_WIDTH = 110;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return run(StdoutWriter.open(), new PrintWriter(System.err, true), args);
    }

    /** Runs a command line with the given streams; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        verbose = false;
        CommandLine cli = new CommandLine(new Main());
        // Everything after launch's first positional argument is the workers' command line.
        cli.getSubcommands().get("launch").setStopAtPositional(true).setUnmatchedOptionsArePositionalParams(true);
        cli.setUsageHelpWidth(USAGE_HELP_WIDTH);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(Main::handleError);
        cli.setParameterExceptionHandler(Main::handleUsageError);
        cli.setExecutionStrategy(Main::execute);
        giveEverySubcommandTheVersion(cli);
        int code = cli.execute(args);
        if (out.checkError() && code == 0) {
            // A PrintWriter swallows write errors: without this, predictions lost to a full disk exit 0.
            if (out instanceof StdoutWriter stdout && stdout.readerClosedThePipe()) {
                return 141; // as a process killed by SIGPIPE: quietly, the reader wanted no more
            }
            String why = out instanceof StdoutWriter stdout ? stdout.failure() : null;
            err.println("mtl4j: error: cannot write to standard output" + (why == null ? "" : ": " + why));
            err.flush();
            return 1;
        }
        return code;
    }

    /** mixinStandardHelpOptions gives every subcommand -V, which prints nothing without a provider. */
    private static void giveEverySubcommandTheVersion(CommandLine cli) {
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub.getCommandSpec().versionProvider() == null) {
                sub.getCommandSpec().versionProvider(new VersionProvider());
            }
            giveEverySubcommandTheVersion(sub);
        }
    }

    /** A command that only groups others (mtl4j, data, bench, pcgrad) given alone is a usage error. */
    private static int execute(CommandLine.ParseResult parsed) {
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) {
            return help;
        }
        List<CommandLine> commands = parsed.asCommandLineList();
        CommandLine last = commands.get(commands.size() - 1);
        if (!last.getSubcommands().isEmpty()) {
            last.usage(last.getErr());
            last.getErr().flush();
            return last.getCommandSpec().exitCodeOnInvalidInput();
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** A bad flag or value is one line and where to read more, not the command's whole help. */
    private static int handleUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        if (e instanceof CommandLine.MissingParameterException && !cli.getUnmatchedArguments().isEmpty()) {
            // picocli checks required options before unknown ones: '--tsk sst2' would only say --task is missing.
            e = new CommandLine.UnmatchedArgumentException(cli, cli.getUnmatchedArguments());
        }
        e = onOffValue(e, args);
        PrintWriter err = cli.getErr();
        String next = "Run '" + cli.getCommandSpec().qualifiedName() + " --help' for usage.";
        String plainer = unknownCommand(e);
        if (plainer == null) {
            plainer = strayWord(e, args);
        }
        if (plainer != null) {
            err.println("mtl4j: error: " + plainer + " " + next);
            err.flush();
            return cli.getCommandSpec().exitCodeOnInvalidInput();
        }
        String message = String.join(" ", e.getMessage().strip().split("\\s*\\R\\s*")).replaceAll("\\.$", "");
        List<String> suggestions = e instanceof CommandLine.UnmatchedArgumentException u ? u.getSuggestions() : List.of();
        err.println("mtl4j: error: " + message
                + (suggestions.isEmpty() ? ". " + next : "; did you mean " + suggestions.get(0) + "? " + next));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return cli.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * 'mtl4j nosuch': picocli suggests its nearest command however far ("did you mean bench?"), so a
     * word where a command belongs gets a suggestion only when it is a near miss, else the list.
     */
    private static String unknownCommand(CommandLine.ParameterException e) {
        CommandLine cli = e.getCommandLine();
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()
                || cli.getSubcommands().isEmpty() || u.getUnmatched().get(0).startsWith("-")) {
            return null;
        }
        String word = u.getUnmatched().get(0);
        List<String> commands = cli.getSubcommands().keySet().stream().filter(name -> !name.equals("help")).toList();
        return Suggestions.closest(word, commands)
                .map(near -> "unknown command '" + word + "'; did you mean " + near + "?")
                .orElse("unknown command '" + word + "' (commands: " + String.join(", ", commands) + ").");
    }

    /**
     * '--tasks sst2 mnli': picocli says "Unmatched argument at index 3: 'mnli'". Say which option the
     * word follows, and for a list option how to write the list.
     */
    private static String strayWord(CommandLine.ParameterException e, String[] args) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()
                || u.getUnmatched().get(0).startsWith("-")) {
            return null;
        }
        CommandLine.Model.CommandSpec spec = e.getCommandLine().getCommandSpec();
        String word = u.getUnmatched().get(0);
        for (int at = 1; at < args.length; at++) {
            if (!args[at].equals(word)) {
                continue;
            }
            CommandLine.Model.OptionSpec flag = spec.findOption(args[at - 1]);
            if (flag != null && flag.arity().max() == 0) {
                return "unexpected argument '" + word + "' after " + args[at - 1] + ": " + flag.longestName() + " takes no value.";
            }
            if (args[at - 1].startsWith("-") && !args[at - 1].contains("=")) {
                continue;
            }
            String[] optionAndValue = args[at - 1].startsWith("-") ? args[at - 1].split("=", 2)
                    : at >= 2 ? new String[] {args[at - 2], args[at - 1]} : null;
            CommandLine.Model.OptionSpec option = optionAndValue == null ? null : spec.findOption(optionAndValue[0]);
            if (option == null || option.arity().max() < 1 || optionAndValue[1].startsWith("-")) {
                continue;
            }
            String given = optionAndValue[0] + " " + optionAndValue[1];
            if (option.paramLabel().contains(",") || !option.splitRegex().isEmpty()) {
                StringBuilder list = new StringBuilder(optionAndValue[1]);
                for (int next = at; next < args.length && !args[next].startsWith("-"); next++) {
                    list.append(',').append(args[next]);
                }
                return "unexpected argument '" + word + "' after " + given + ": a list is one word with commas, "
                        + option.longestName() + " " + list + ".";
            }
            return "unexpected argument '" + word + "' after " + given + ": " + option.longestName() + " takes one value.";
        }
        return "unexpected argument '" + word + "'.";
    }

    /**
     * '--dropout maybe': an on/off option's value is optional, so picocli leaves one it cannot read as
     * a boolean unmatched ("Unmatched argument at index 2: 'maybe'") without naming the option.
     */
    private static CommandLine.ParameterException onOffValue(CommandLine.ParameterException e, String[] args) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
            return e;
        }
        String value = u.getUnmatched().get(0);
        for (int at = 1; at < args.length; at++) { // the word may also be another option's value, earlier
            CommandLine.Model.OptionSpec option = e.getCommandLine().getCommandSpec().findOption(args[at - 1]);
            if (args[at].equals(value) && option != null && option.arity().max() >= 1
                    && (option.type() == boolean.class || option.type() == Boolean.class)) {
                return new CommandLine.ParameterException(e.getCommandLine(),
                        option.longestName() + " takes true or false, got '" + value + "'");
            }
        }
        return e;
    }

    private static CommandLine.ParseResult innermost(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult at = parsed;
        while (at.hasSubcommand()) {
            at = at.subcommand();
        }
        return at;
    }

    /** Input errors are one line on stderr; anything else is a bug and says so. */
    private static int handleError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        Throwable cause = e;
        while (!(cause instanceof UserError) && cause.getCause() != null && cause != cause.getCause()) {
            cause = cause.getCause();
        }
        if (cause instanceof UserError) {
            err.println("mtl4j: error: " + cause.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return 2;
        }
        int exitCode = 1;
        if (e instanceof UncheckedIOException io) {
            err.println("mtl4j: error: " + io.getMessage());
        } else {
            CommandLine.Model.CommandSpec command = parsed == null ? null : innermost(parsed).commandSpec();
            NativeFailure failure = NativeFailure.of(e, command);
            exitCode = failure.exitCode();
            err.println("mtl4j: " + failure.line() + (verbose || exitCode != 1 ? "" : " (run with --verbose for the stack trace)"));
        }
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return exitCode;
    }
}
