/* Subcommands of pycore-analyze. */
#ifndef PYCORE_CLI_H
#define PYCORE_CLI_H

/* `pycore-analyze triage ...`: argv[0] is "triage". */
int pc_cli_triage(int argc, char **argv);

#endif
