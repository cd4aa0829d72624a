import type { Command } from 'commander';

/** Subcommands inherit the parent's exit override so usage errors reach main's exit-code mapping. */
export function subcommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).showHelpAfterError().exitOverride();
}
