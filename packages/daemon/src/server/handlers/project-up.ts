import { ProjectDidProgress, ProjectUp } from '@tend/protocol';
import { projectRunner } from '../../tasks/project-up.js';
import { defineHandler } from '../handler.js';

export const projectUp = defineHandler(ProjectUp, (params, { supervisor, connection }) =>
  projectRunner(supervisor).up(params, connection.session, (progress) =>
    connection.notify(ProjectDidProgress, progress),
  ),
);
