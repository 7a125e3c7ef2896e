// Why a pod is Pending, in plain words a user can act on.
import type { PodFailureReason } from '../api/types';

export interface PendingExplanation {
  title: string;
  text: string;
  severity: 'warning' | 'error';
}

export function explainPending(r: PodFailureReason): PendingExplanation {
  const msg = r.message.toLowerCase();
  if (r.isResourceConstraint && r.resourceType === 'gpu') {
    return {
      title: 'Not enough free GPUs',
      text: r.canAutoscalerHelp
        ? 'No node has enough free GPUs right now. The cluster autoscaler can add a GPU node; that usually takes 5–10 minutes.'
        : 'No node has enough free GPUs. Add a GPU node, free GPUs by deleting another deployment, or ask for fewer GPUs per replica.',
      severity: 'warning',
    };
  }
  if (r.isResourceConstraint && (r.resourceType === 'cpu' || r.resourceType === 'memory')) {
    const what = r.resourceType === 'cpu' ? 'CPU' : 'memory';
    return {
      title: `Not enough ${what}`,
      text: `No node has enough free ${what} for this pod. Add capacity or lower the request.`,
      severity: 'warning',
    };
  }
  if (msg.includes('taint') || msg.includes('toleration')) {
    return {
      title: 'Nodes are tainted',
      text: 'The nodes that could run this pod carry taints the pod does not tolerate (GPU nodes often do). Add a toleration or use untainted nodes.',
      severity: 'error',
    };
  }
  if (msg.includes('node selector') || msg.includes('affinity') || msg.includes("didn't match")) {
    return {
      title: 'No node matches',
      text: "No node matches the pod's node selector or affinity rules. Check the labels the deployment asks for.",
      severity: 'error',
    };
  }
  if (msg.includes('pull') || msg.includes('image')) {
    return { title: 'Image cannot be pulled', text: 'The container image is not reachable or does not exist.', severity: 'error' };
  }
  return { title: r.reason || 'Scheduling constraint', text: r.message, severity: 'warning' };
}
