import LayerpinCLI

LayerpinCommandLine.main(Array(CommandLine.arguments.dropFirst()))
