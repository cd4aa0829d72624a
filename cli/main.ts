import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { EXIT_USAGE } from './exit-codes.js';
import { wasInterrupted } from './interrupt.js';
import { ignoreClosedPipes, userMessage } from './output.js';

// The AWS SDK warns on every client construction under Node 20; the CLI has nothing to do about it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
ignoreClosedPipes();

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; every other parser complaint is a usage error.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else if (!wasInterrupted()) {
    // After Ctrl-C, what the command was doing fails as its service closes: the signal's handler speaks.
    console.error(`stepdeploy: ${userMessage(error)}`);
    process.exitCode = EXIT_USAGE;
  }
}
