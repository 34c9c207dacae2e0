import { ProjectDown } from '@tend/protocol';
import { projectDown as stopProject } from '../../tasks/project-down.js';
import { defineHandler } from '../handler.js';

export const projectDown = defineHandler(ProjectDown, (params, { supervisor }) =>
  stopProject(supervisor, params),
);
