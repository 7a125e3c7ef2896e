// The Deploy form's storage volumes: up to eight, each a new disk the controller creates
// (size, sharing, storage class) or an existing PersistentVolumeClaim of the namespace, mounted
// at a path (the two caches have default paths). Field errors come from the form's checks and
// from the server's validation issues ("volumes.<i>.<field>").
import {
  ActionIcon,
  Button,
  Card,
  Checkbox,
  Group,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconPlus, IconX } from '@tabler/icons-react';
import { useEffect } from 'react';
import type { AccessMode, PvcInfo, VolumePurpose } from '../api/types';
import {
  MAX_VOLUMES,
  effectiveMountPath,
  newVolume,
  purposeTaken,
  volumeField,
  type FormErrors,
  type VolumeFormValue,
} from '../lib/deployForm';

const PURPOSES: { value: VolumePurpose; label: string }[] = [
  { value: 'modelCache', label: 'Model cache' },
  { value: 'compilationCache', label: 'Compilation cache' },
  { value: 'custom', label: 'Custom' },
];

const ACCESS_MODES: { value: AccessMode; label: string }[] = [
  { value: 'ReadWriteOnce', label: 'One node, read/write' },
  { value: 'ReadWriteMany', label: 'Many nodes, read/write' },
  { value: 'ReadOnlyMany', label: 'Many nodes, read only' },
  { value: 'ReadWriteOncePod', label: 'One pod, read/write' },
];

interface Props {
  volumes: VolumeFormValue[];
  onChange: (volumes: VolumeFormValue[]) => void;
  errors: FormErrors;
  deploymentName: string;
  /** Existing claims of the namespace; undefined while unknown (free text then). */
  pvcs: PvcInfo[] | undefined;
}

export function StorageVolumesSection({ volumes, onChange, errors, deploymentName, pvcs }: Props) {
  const update = (index: number, patch: Partial<VolumeFormValue>) =>
    onChange(volumes.map((v, i) => (i === index ? { ...v, ...patch } : v)));

  // A chosen claim that left the namespace's list is cleared rather than sent.
  useEffect(() => {
    if (!pvcs) return;
    const names = new Set(pvcs.map((p) => p.name));
    if (volumes.some((v) => v.source === 'existing' && v.claimName && !names.has(v.claimName) && pvcs.length > 0)) {
      onChange(volumes.map((v) => (v.source === 'existing' && v.claimName && !names.has(v.claimName) ? { ...v, claimName: '' } : v)));
    }
  }, [pvcs, volumes, onChange]);

  return (
    <Card withBorder padding="lg" data-testid="storage-section">
      <Group justify="space-between" mb="xs">
        <div>
          <Title order={4}>Storage volumes</Title>
          <Text size="xs" c="dimmed">
            Optional: a model cache or other disks mounted into every replica ({volumes.length}/{MAX_VOLUMES})
          </Text>
        </div>
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} />}
          disabled={volumes.length >= MAX_VOLUMES}
          onClick={() => onChange([...volumes, newVolume(volumes)])}
        >
          Add volume
        </Button>
      </Group>
      {errors.volumes && (
        <Text size="xs" c="red" mb="xs">
          {errors.volumes}
        </Text>
      )}
      <Stack gap="sm">
        {volumes.map((v, i) => {
          const err = (f: Parameters<typeof volumeField>[1]) => errors[volumeField(i, f)];
          const claimOptions = (pvcs ?? []).map((p) => ({
            value: p.name,
            label: [p.name, p.capacity, p.status].filter(Boolean).join(' · '),
          }));
          return (
            <Card key={i} withBorder padding="sm" radius="md" className="volume-card" data-testid="volume">
              <Group justify="space-between" mb="xs">
                <Text size="sm" fw={600}>
                  Volume {i + 1}
                </Text>
                <ActionIcon variant="subtle" color="gray" aria-label={`Remove volume ${i + 1}`} onClick={() => onChange(volumes.filter((_, j) => j !== i))}>
                  <IconX size={16} />
                </ActionIcon>
              </Group>
              <Stack gap="xs">
                <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
                  <TextInput
                    label="Name"
                    size="xs"
                    value={v.name}
                    onChange={(e) => update(i, { name: e.currentTarget.value })}
                    error={err('name')}
                  />
                  <Select
                    label="Purpose"
                    size="xs"
                    data={PURPOSES.map((p) => ({
                      ...p,
                      label: purposeTaken(volumes, i, p.value) ? `${p.label} (already used)` : p.label,
                      disabled: purposeTaken(volumes, i, p.value),
                    }))}
                    value={v.purpose}
                    onChange={(p) => p && update(i, { purpose: p as VolumePurpose })}
                    error={err('purpose')}
                    allowDeselect={false}
                    comboboxProps={{ withinPortal: true }}
                  />
                  <TextInput
                    label="Container path"
                    size="xs"
                    placeholder={effectiveMountPath({ mountPath: '', purpose: v.purpose }) || '/data'}
                    value={v.mountPath}
                    onChange={(e) => update(i, { mountPath: e.currentTarget.value })}
                    error={err('mountPath')}
                  />
                </SimpleGrid>
                <Radio.Group
                  label="Disk"
                  size="xs"
                  value={v.source}
                  onChange={(s) => update(i, { source: s as VolumeFormValue['source'], readOnly: false })}
                >
                  <Group gap="lg" mt={4}>
                    <Radio value="new" label="Create a new disk" />
                    <Radio value="existing" label="Use an existing claim" />
                  </Group>
                </Radio.Group>
                {v.source === 'new' ? (
                  <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
                    <TextInput
                      label="Size"
                      size="xs"
                      value={v.size}
                      onChange={(e) => update(i, { size: e.currentTarget.value })}
                      error={err('size')}
                    />
                    <Select
                      label="Sharing"
                      size="xs"
                      data={ACCESS_MODES}
                      value={v.accessMode}
                      onChange={(m) => m && update(i, { accessMode: m as AccessMode })}
                      error={err('accessMode')}
                      allowDeselect={false}
                      comboboxProps={{ withinPortal: true }}
                    />
                    <Stack gap={4}>
                      <Checkbox
                        size="xs"
                        mt={24}
                        label="Default storage class"
                        checked={v.useDefaultStorageClass}
                        onChange={(e) => update(i, { useDefaultStorageClass: e.currentTarget.checked })}
                      />
                      {!v.useDefaultStorageClass && (
                        <TextInput
                          size="xs"
                          aria-label="Storage class"
                          placeholder="storage class (empty: none)"
                          value={v.storageClassName}
                          onChange={(e) => update(i, { storageClassName: e.currentTarget.value })}
                          error={err('storageClassName')}
                        />
                      )}
                    </Stack>
                  </SimpleGrid>
                ) : (
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                    {claimOptions.length > 0 ? (
                      <Select
                        label="Claim"
                        size="xs"
                        data={claimOptions}
                        value={v.claimName || null}
                        onChange={(c) => update(i, { claimName: c ?? '' })}
                        error={err('claimName')}
                        placeholder="Choose a PersistentVolumeClaim"
                        comboboxProps={{ withinPortal: true }}
                      />
                    ) : (
                      <TextInput
                        label="Claim"
                        size="xs"
                        description={pvcs ? 'No claims in this namespace' : undefined}
                        placeholder="existing-claim-name"
                        value={v.claimName}
                        onChange={(e) => update(i, { claimName: e.currentTarget.value })}
                        error={err('claimName')}
                      />
                    )}
                    <Switch
                      mt={24}
                      size="sm"
                      label="Read only"
                      checked={v.readOnly}
                      onChange={(e) => update(i, { readOnly: e.currentTarget.checked })}
                      error={err('readOnly')}
                    />
                  </SimpleGrid>
                )}
                {v.source === 'new' && (
                  <Text size="xs" c="dimmed">
                    The disk will be named <span className="mono">{`${deploymentName || '<name>'}-${v.name || '<volume>'}`}</span>
                  </Text>
                )}
              </Stack>
            </Card>
          );
        })}
      </Stack>
    </Card>
  );
}
