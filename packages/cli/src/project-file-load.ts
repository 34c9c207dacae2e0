import { locateProjectFile, ProjectFileError, type ProjectFile } from '@tend/client/project-file';
import { CliError } from './errors.js';

/**
 * The project file of `tend up`/`down`: `-f FILE`, else the nearest tend.toml at or above the current directory.
 * @throws CliError (125, reason `invalid_project_file`) saying which file, line and key is wrong.
 */
export function loadProject(file: string | undefined): ProjectFile {
  try {
    return locateProjectFile(process.cwd(), file);
  } catch (error) {
    if (error instanceof ProjectFileError)
      throw new CliError(error.message, { reason: 'invalid_project_file', cause: error });
    throw error;
  }
}
