// The env-file reader lives in the client package (tend.toml's env_file uses it too).
export { EnvFileError, parseEnvFile } from '@tend/client/env-file';
